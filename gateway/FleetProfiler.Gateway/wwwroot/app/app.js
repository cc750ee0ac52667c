// The web app's one page-wide ES module (CSP: scripts only from this origin, none inline). Pages work without it;
// it adds conveniences and marks the document interactive for tests and the benchmark.

// Range pickers submit as soon as a span is chosen (their button stays for keyboards and no-script browsers).
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  for (const select of form.querySelectorAll("select")) {
    select.addEventListener("change", () => form.requestSubmit());
  }
}

// The flamegraph explorer's module, only on its page (a component may not hold a script tag).
if (document.getElementById("flame")) import("/app/flame.js");

// Everything above ran: the page reacts to input. The mark times navigation start -> interactive (the benchmark).
performance.mark("fleetprofiler-interactive");
document.documentElement.dataset.ready = "true";
