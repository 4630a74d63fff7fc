// The visitor statistics dashboards (/edit/statistics, /my/shops/<id>/statistics): one line per
// event over the period's days, drawn with Chart.js on a canvas. The numbers come from the
// page's data-chart attribute; the tables under the chart hold the same numbers, so the chart
// is a picture of them (its canvas is labelled, the tables are what screen readers read).
import {
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
} from "chart.js";
import "./statistics.css";

Chart.register(CategoryScale, Legend, LineController, LineElement, LinearScale, PointElement,
  Tooltip);

/** Colours and dashes that stay apart for colour-blind eyes too (Okabe–Ito palette). */
const LOOKS = [
  { colour: "#0072b2", dash: [] },
  { colour: "#d55e00", dash: [6, 3] },
  { colour: "#009e73", dash: [] },
  { colour: "#cc79a7", dash: [2, 2] },
  { colour: "#e69f00", dash: [] },
  { colour: "#56b4e9", dash: [8, 4] },
  { colour: "#000000", dash: [4, 2, 1, 2] },
];
const POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "rectRounded"];

function dayLabel(iso, language) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString(language, {
    day: "numeric", month: "short", timeZone: "UTC",
  });
}

/** Draws the chart of `root`'s data-chart; resolves once it is drawn. */
export async function start(root) {
  const data = JSON.parse(root.dataset.chart || "{}");
  const canvas = root.querySelector("canvas");
  if (!canvas || !Array.isArray(data.days)) throw new Error("no chart data");
  const language = document.documentElement.lang || undefined;
  const chart = new Chart(canvas, {
    type: "line",
    data: {
      labels: data.days.map((day) => dayLabel(day, language)),
      datasets: data.series.map((series, index) => {
        const look = LOOKS[index % LOOKS.length];
        return {
          label: series.label,
          data: series.counts,
          borderColor: look.colour,
          backgroundColor: look.colour,
          borderDash: look.dash,
          pointStyle: POINTS[index % POINTS.length],
          pointRadius: data.days.length > 60 ? 0 : 3,
          borderWidth: 2,
          tension: 0,
        };
      }),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
      },
      plugins: { legend: { position: "bottom", labels: { usePointStyle: true } } },
    },
  });
  root.dataset.series = String(chart.data.datasets.length);
}
