-- Keys and sessions that can be revoked: named, scoped, rate-limited keys, and per-workspace send limits.
CREATE TABLE `send_counts` (
	`workspace_id` text NOT NULL,
	`day` integer NOT NULL,
	`sent` integer DEFAULT 0 NOT NULL,
	`granted` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`workspace_id`, `day`)
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `scopes` text DEFAULT '["full"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `last_used_at` integer;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rate_window` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `rate_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Keys made before names existed (a workspace's first key) get one that cannot collide.
UPDATE `api_keys` SET `name` = 'key ' || `id`;--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_live_by_name` ON `api_keys` (`workspace_id`,`name`) WHERE revoked_at IS NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `daily_send_cap` integer DEFAULT 10000 NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `allowed_countries` text;