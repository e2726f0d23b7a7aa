// Live totals on the session form: units given, sites, vial capacity and units discarded.
(function () {
  "use strict";
  const form = document.querySelector("[data-session-form]");
  if (!form) return;

  const number = (input) => {
    const value = parseFloat(input && input.value);
    return Number.isFinite(value) ? value : 0;
  };
  const show = (selector, text) => {
    const element = form.querySelector(selector);
    if (element) element.textContent = text;
  };
  const format = (value) => (Math.round(value * 10) / 10).toString();

  function update() {
    let units = 0;
    let sites = 0;
    form.querySelectorAll("[data-site-row]").forEach((row) => {
      const skipped = row.querySelector("input[type=checkbox]").checked;
      const input = row.querySelector("input[type=number]");
      row.classList.toggle("site-skipped", skipped);
      if (!skipped && number(input) > 0) {
        units += number(input);
        sites += 1;
      }
    });
    form.querySelectorAll("[data-extra-row]").forEach((row) => {
      const chosen = row.querySelector("select").value;
      const input = row.querySelector("input[type=number]");
      if (chosen && number(input) > 0) {
        units += number(input);
        sites += 1;
      }
    });
    const available = number(form.querySelector("[data-vial-size]")) * number(form.querySelector("[data-vials-used]"));
    show("[data-total-units]", format(units));
    show("[data-total-sites]", String(sites));
    show("[data-available]", format(available));
    show("[data-discarded]", format(Math.max(available - units, 0)));
    const limit = parseFloat(form.dataset.maxUnits);
    const over = Number.isFinite(limit) && units > limit;
    const warning = form.querySelector("[data-over-limit]");
    if (warning) {
      warning.hidden = !over;
      show("[data-limit]", format(limit || 0));
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
