// The diary day form is short when there was no headache: hide the headache details.
(function () {
  const details = document.querySelector("[data-headache-details]");
  if (!details) return;
  const choices = document.querySelectorAll("input[name='headache']");
  function update() {
    const picked = document.querySelector("input[name='headache']:checked");
    details.hidden = !picked || picked.value !== "True";
  }
  choices.forEach((choice) => choice.addEventListener("change", update));
  update();
})();

// Dose steppers: − and + beside each dose box (shown only when this script runs).
document.querySelectorAll("[data-dose-stepper]").forEach((stepper) => {
  const input = stepper.querySelector("input");
  stepper.querySelectorAll("[data-step]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      const min = Number(input.min || 0);
      const max = Number(input.max || 20);
      const value = Number(input.value || 0) + Number(button.dataset.step);
      input.value = String(Math.min(max, Math.max(min, value)));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
});
