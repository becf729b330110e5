// Quiet hours depend on the time of day; tests steer them with an Etc/GMT zone where it is a given hour right now.

/** An Etc/GMT zone where the local hour is `hour` at `now` (Etc/GMT signs are inverted: Etc/GMT-5 is UTC+5). */
export function zoneWhereHourIs(hour: number, now = Date.now()): string {
	let offset = hour - new Date(now).getUTCHours();
	if (offset > 14) offset -= 24;
	if (offset < -12) offset += 24;
	return offset === 0 ? "Etc/UTC" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}
