// Progress on stderr: one line redrawn in place on a terminal, plain lines now and then otherwise (CI logs).

export class Progress {
	/**
	 * @param {string} label
	 * @param {number | null} total an estimate of the rows to come, for the percentage and ETA
	 * @param {NodeJS.WriteStream} [stream]
	 */
	constructor(label, total, stream = process.stderr) {
		this.label = label;
		this.total = total;
		this.stream = stream;
		this.tty = Boolean(stream.isTTY);
		this.started = Date.now();
		this.lastDrawn = 0;
		this.drawnLength = 0;
	}

	/**
	 * @param {number} done rows handled so far (this run)
	 * @param {string} detail e.g. "minted 5000, rejected 3"
	 * @param {boolean} [force]
	 */
	update(done, detail, force = false) {
		const now = Date.now();
		if (!force && now - this.lastDrawn < (this.tty ? 100 : 5_000)) return;
		this.lastDrawn = now;
		const seconds = Math.max((now - this.started) / 1000, 0.001);
		const rate = done / seconds;
		let text = `${this.label}: ${done.toLocaleString("en-US")} rows`;
		if (this.total) {
			const share = Math.min(done / this.total, 1);
			const width = 20;
			const filled = Math.round(share * width);
			const eta = rate > 0 ? Math.max(this.total - done, 0) / rate : null;
			text = `${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(share * 100).toFixed(0)}% ${done.toLocaleString("en-US")}/~${this.total.toLocaleString("en-US")}`;
			if (eta !== null && share < 1) text += ` ETA ${formatDuration(eta)}`;
		}
		text += `, ${detail}, ${Math.round(rate).toLocaleString("en-US")} rows/s`;
		if (this.tty) {
			this.stream.write(`\r${text.padEnd(this.drawnLength)}`);
			this.drawnLength = text.length;
		} else {
			this.stream.write(`${text}\n`);
		}
	}

	/** Ends the redrawn line, so what follows starts on its own. */
	finish() {
		if (this.tty && this.drawnLength > 0) this.stream.write("\n");
		this.drawnLength = 0;
	}

	/**
	 * A message between progress updates.
	 * @param {string} message
	 */
	log(message) {
		if (this.tty && this.drawnLength > 0) this.stream.write(`\r${" ".repeat(this.drawnLength)}\r`);
		this.drawnLength = 0;
		this.stream.write(`${message}\n`);
	}
}

/** @param {number} seconds */
export function formatDuration(seconds) {
	if (seconds < 60) return `${Math.ceil(seconds)}s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
	return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
