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
