// Nareis browser view: the few things a page does in place. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-submit-on-change sends itself when one of its fields changes (the
  // version slider, the as-of date); its submit button stays for keyboards and for no script.
  // The field that sent it gets the focus back on the new page, so a keyboard user moving
  // the slider step by step stays on it.
  for (const form of document.querySelectorAll("form[data-submit-on-change]")) {
    form.addEventListener("change", (event) => {
      if (event.target.id) sessionStorage.setItem("nareis-refocus", event.target.id);
      form.requestSubmit();
    });
  }
  const refocus = sessionStorage.getItem("nareis-refocus");
  if (refocus) {
    sessionStorage.removeItem("nareis-refocus");
    document.getElementById(refocus)?.focus();
  }
  // An output tied to a range input shows the value the input stands for while it moves.
  for (const input of document.querySelectorAll("input[type=range][data-labels]")) {
    const output = document.getElementById(input.dataset.output);
    const labels = JSON.parse(input.dataset.labels);
    const show = () => { if (output) output.textContent = labels[input.value] ?? input.value; };
    input.addEventListener("input", show);
    show();
  }
  // A form sends itself once: a second click while it is on its way does nothing (the
  // idempotency key would make it harmless anyway).
  for (const form of document.querySelectorAll("form[method=post]")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  }
});
