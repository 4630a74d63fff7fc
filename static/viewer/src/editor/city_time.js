// Times on the city's clock: datetime-local inputs show the wall clock of the city's time
// zone (not the browser's), and the API gets ISO instants.

function zoneParts(date, zone) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(date);
  const get = (type) => Number(parts.find((part) => part.type === type).value);
  return [get("year"), get("month"), get("day"), get("hour"), get("minute"), get("second")];
}

/** Milliseconds the zone's wall clock is ahead of UTC at `date`. */
function zoneOffset(date, zone) {
  const [y, mo, d, h, mi, s] = zoneParts(date, zone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(date.getTime() / 1000) * 1000;
}

/** An ISO instant → "YYYY-MM-DDTHH:MM" on the zone's clock ("" for none). */
export function toLocalInput(iso, zone) {
  if (!iso) return "";
  const [y, mo, d, h, mi] = zoneParts(new Date(iso), zone);
  const pad = (value) => String(value).padStart(2, "0");
  return `${y}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}`;
}

/** "YYYY-MM-DDTHH:MM" on the zone's clock → an ISO instant (null for ""). */
export function fromLocalInput(value, zone) {
  if (!value) return null;
  const [date, time] = value.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  let instant = wall - zoneOffset(new Date(wall), zone);
  // across a change of the clocks the offset at the guess may differ: ask once more
  instant = wall - zoneOffset(new Date(instant), zone);
  return new Date(instant).toISOString();
}
