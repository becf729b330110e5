CREATE TABLE `dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`workspace_id` text,
	`reason` text NOT NULL,
	`body` text NOT NULL,
	`original_message_id` text,
	`received_at` integer NOT NULL,
	`replayed_at` integer
);
--> statement-breakpoint
CREATE INDEX `dead_letters_by_workspace` ON `dead_letters` (`workspace_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `dead_letters_by_time` ON `dead_letters` (`received_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`endpoint_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`message_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`payload` text NOT NULL,
	`status` integer,
	`ok` integer NOT NULL,
	`error` text,
	`duration_ms` integer NOT NULL,
	`attempted_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_by_attempt` ON `webhook_deliveries` (`message_id`,`attempt`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_by_endpoint` ON `webhook_deliveries` (`endpoint_id`,`attempted_at`);