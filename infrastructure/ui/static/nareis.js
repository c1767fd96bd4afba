// Nareis browser view: the few things a page does in place. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A form marked data-submit-on-change sends itself when one of its fields changes (the
  // version slider, the as-of date); its submit button stays for keyboards and for no script.
  for (const form of document.querySelectorAll("form[data-submit-on-change]")) {
    form.addEventListener("change", () => form.requestSubmit());
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
