ALTER TABLE `campaign_purchase_stats` ADD `pixel_orders` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaign_purchase_stats` ADD `pixel_revenue_minor` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `campaign_purchase_stats` ADD `pixel_purchasers` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `counted_purchases` text DEFAULT 'confirmed_or_pixel' NOT NULL;--> statement-breakpoint
CREATE INDEX `purchases_credited_pixel_by_workspace` ON `purchases` (`workspace_id`,`received_at`) WHERE source = 'pixel' AND campaign_id IS NOT NULL;--> statement-breakpoint
-- Purchase aggregates are rebuilt under the new rules (a carried click id counts only under the windows its lag fits;
-- pixel-only orders counted apart) by the next purchase batch, which rebuilds every campaign listed here.
INSERT OR IGNORE INTO `purchase_stat_rebuilds` (`campaign_id`) SELECT DISTINCT `campaign_id` FROM `purchases` WHERE `campaign_id` IS NOT NULL;
--> statement-breakpoint
-- Pixel purchases credited before this release to a click that was not a person's (a HEAD request, a bot, a preview)
-- lose that credit, as they would now; their campaigns were listed for a rebuild above.
UPDATE `purchases` SET `verified` = 0, `click_id` = NULL, `campaign_id` = NULL, `link_code` = NULL, `contact_id` = NULL, `variant` = NULL, `attributed_by` = NULL, `click_at` = NULL, `lag_ms` = NULL WHERE `source` = 'pixel' AND `click_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `clicks` `c` WHERE `c`.`id` = `purchases`.`click_id` AND `c`.`human` = 1);
