// The home page's charts (ECharts): for each target its goal, value and expected value, then its breakdowns.
// The same figures are in the table above, so the charts add a picture and take nothing away without script.
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent || "[]");
  var box = document.getElementById("charts");
  if (!window.echarts || !box) { return; }
  var NAMES = { year: "按年度", region: "按地区", programme: "按专项", contract_type: "按合同类型" };
  var pending = [];
  function chart(title, option) {
    var el = document.createElement("div");
    el.className = "chart";
    el.setAttribute("data-chart", title);
    box.appendChild(el);
    option.title = { text: title, textStyle: { fontSize: 14 } };
    option.tooltip = { trigger: "axis" };
    pending.push([el, option]);
  }
  // drawn once every box is in the grid: a chart drawn while it was alone would keep the whole row's width
  function draw() {
    pending.forEach(function (item) {
      var c = echarts.init(item[0]);
      c.setOption(item[1]);
      window.addEventListener("resize", function () { c.resize(); });
    });
  }
  data.forEach(function (t) {
    chart(t.label, {
      xAxis: { type: "category", data: ["目标值", "按期应达", "当前值"] },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: [t.goal, t.expected, t.value] }]
    });
    Object.keys(t.breakdowns).forEach(function (dimension) {
      var pairs = t.breakdowns[dimension];
      if (!pairs.some(function (p) { return p[1] > 0; })) { return; }
      chart(t.label + "（" + (NAMES[dimension] || dimension) + "）", {
        grid: { left: 60, bottom: 80 },
        xAxis: { type: "category", data: pairs.map(function (p) { return p[0]; }), axisLabel: { rotate: 40 } },
        yAxis: { type: "value" },
        series: [{ type: dimension === "year" ? "line" : "bar", data: pairs.map(function (p) { return p[1]; }) }]
      });
    });
  });
  draw();
})();
