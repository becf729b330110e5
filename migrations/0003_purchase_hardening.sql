CREATE TABLE `purchase_stat_rebuilds` (
	`campaign_id` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE `integrations` ADD `shop_domain` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `contacts_by_workspace_stage` ON `contacts` (`workspace_id`,`stage`);--> statement-breakpoint
CREATE INDEX `purchases_by_click` ON `purchases` (`click_id`);--> statement-breakpoint
CREATE INDEX `purchases_unattributed` ON `purchases` (`workspace_id`,`currency`,`value_minor`) WHERE campaign_id IS NULL;