-- Consent that holds: opt-outs that outlive erasure, keyed by an HMAC of the phone (src/consent/suppression.ts).
CREATE TABLE `suppressions` (
	`workspace_id` text NOT NULL,
	`phone_hash` text NOT NULL,
	`source` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `phone_hash`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `suppressions_by_phone_hash` ON `suppressions` (`phone_hash`);--> statement-breakpoint
ALTER TABLE `contacts` ADD `phone_hash` text;