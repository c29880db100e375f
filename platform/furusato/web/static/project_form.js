// Live target and cap while the business types its eligible cost (integer yen, no floats):
// target = ceil(cost × 50 / rate), cap = ceil(cost × 100 / rate) — the same as domain/money.py.
(function () {
  "use strict";
  var form = document.getElementById("project-form");
  if (!form) { return; }
  var rate = BigInt(parseInt(form.getAttribute("data-rate"), 10) || 0);
  var input = document.getElementById("eligible_cost_yen");
  var target = document.getElementById("target-yen");
  var cap = document.getElementById("cap-yen");
  if (!input || !target || !cap || rate <= 0n) { return; }

  function ceilDiv(n, d) { return (n + d - 1n) / d; }
  function yen(n) { return "¥" + n.toLocaleString("ja-JP"); }

  function update() {
    var raw = (input.value || "").trim();
    if (!/^\d+$/.test(raw) || raw === "0") {
      target.textContent = "—";
      cap.textContent = "—";
      return;
    }
    var cost = BigInt(raw);
    target.textContent = yen(ceilDiv(cost * 50n, rate));
    cap.textContent = yen(ceilDiv(cost * 100n, rate));
  }
  input.addEventListener("input", update);
  update();
})();
