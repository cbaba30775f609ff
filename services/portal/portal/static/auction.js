// While an auction is open, poll its figures every 2 s (GET /auctions/<id>/live) and count its time down.
(function () {
  var box = document.getElementById("auction");
  if (!box) { return; }
  var id = box.getAttribute("data-auction");
  var endsAt = Date.parse(box.getAttribute("data-ends-at"));
  var open = box.getAttribute("data-status") === "open";
  function yuan(v) {
    var n = Number(v);
    return isNaN(n) ? "" : "¥" + n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function left() {
    var s = Math.floor((endsAt - Date.now()) / 1000);
    if (!open || s <= 0) { return "已结束"; }
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    return d ? d + "天" + h + "小时" + m + "分" : (h ? h + "小时" + m + "分" + sec + "秒" : m + "分" + sec + "秒");
  }
  function set(idName, text) { var el = document.getElementById(idName); if (el && el.textContent !== text) { el.textContent = text; } }
  // the bid form's minimum follows the price; the amount too, unless the person has typed one of their own
  var amount = document.getElementById("f-amount");
  var floor = document.getElementById("bid-minimum-amount");
  function bidFloor(minimum) {
    if (!floor || !minimum || floor.getAttribute("data-amount") === minimum) { return; }
    if (amount && amount.value === floor.getAttribute("data-amount") && document.activeElement !== amount) {
      amount.value = minimum;
    }
    floor.setAttribute("data-amount", minimum);
    floor.textContent = yuan(minimum);
  }
  function poll() {
    if (!open) { return; }
    fetch("/auctions/" + encodeURIComponent(id) + "/live", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (a) {
        if (!a.available) { set("auction-status", "暂不可用"); return; }
        set("auction-status", a.status_label);
        if (a.current_price) { set("auction-price", yuan(a.current_price)); }
        set("auction-bids", String(a.bids));
        bidFloor(a.minimum_bid);
        endsAt = Date.parse(a.ends_at);
        open = a.status === "open";
      })
      .catch(function () { set("auction-status", "暂不可用"); });
  }
  setInterval(function () { set("auction-left", left()); }, 1000);
  setInterval(poll, 2000);
})();
