ALTER TABLE `campaign_purchase_stats` ADD `pixel_orders` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaign_purchase_stats` ADD `pixel_revenue_minor` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaign_purchase_stats` ADD `pixel_purchasers` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `counted_purchases` text DEFAULT 'confirmed_or_pixel' NOT NULL;--> statement-breakpoint
CREATE INDEX `purchases_credited_pixel_by_workspace` ON `purchases` (`workspace_id`,`received_at`) WHERE source = 'pixel' AND campaign_id IS NOT NULL;--> statement-breakpoint
-- Purchase aggregates are rebuilt under the new rules (a carried click id counts only under the windows its lag fits;
-- pixel-only orders counted apart) by the next purchase batch, which rebuilds every campaign listed here.
INSERT OR IGNORE INTO `purchase_stat_rebuilds` (`campaign_id`) SELECT DISTINCT `campaign_id` FROM `purchases` WHERE `campaign_id` IS NOT NULL;
