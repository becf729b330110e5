CREATE TABLE `campaign_purchase_stats` (
	`campaign_id` text NOT NULL,
	`window_days` integer NOT NULL,
	`variant` text NOT NULL,
	`currency` text NOT NULL,
	`orders` integer NOT NULL,
	`revenue_minor` integer NOT NULL,
	`purchasers` integer NOT NULL,
	PRIMARY KEY(`campaign_id`, `window_days`, `variant`, `currency`)
);
--> statement-breakpoint
CREATE TABLE `integrations` (
	`workspace_id` text NOT NULL,
	`provider` text NOT NULL,
	`secret` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `provider`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `purchases` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`order_id` text NOT NULL,
	`source` text NOT NULL,
	`value_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer NOT NULL,
	`click_id` text,
	`campaign_id` text,
	`link_code` text,
	`contact_id` text,
	`variant` text,
	`attributed_by` text,
	`click_at` integer,
	`lag_ms` integer,
	`verified` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `purchases_by_workspace_order` ON `purchases` (`workspace_id`,`order_id`);--> statement-breakpoint
CREATE INDEX `purchases_by_campaign` ON `purchases` (`campaign_id`);--> statement-breakpoint
CREATE INDEX `purchases_by_contact` ON `purchases` (`contact_id`);--> statement-breakpoint
CREATE TABLE `webhook_receipts` (
	`workspace_id` text NOT NULL,
	`provider` text NOT NULL,
	`webhook_id` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `provider`, `webhook_id`)
);
--> statement-breakpoint
ALTER TABLE `contacts` ADD `stage` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `attribution_window_days` integer DEFAULT 7 NOT NULL;