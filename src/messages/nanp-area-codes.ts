// US and Canadian area codes (NANP) → state or province, and the IANA zones the code's numbers are in.
// Generated from Google libphonenumber's resources/geocoding/en/1.txt (region names) and
// resources/timezones/map_data.txt (zones, every prefix under the area code merged), Apache-2.0, at commit
// f7e3e88c92b9 (2026-07-17), keeping the area codes libphonenumber-js/max accepts as valid US or CA numbers.
// Area codes not listed (toll-free 8XX, 5XX, 600/622/633, new codes) fall back to their whole country.
// An area code over several zones lists them all (850 covers Florida's Central-time panhandle and Eastern-time
// Tallahassee). 902 (NS/PE) and 867 (NT/NU/YT) span provinces: "CA".
//
// lookupAreaCode answers with the zones of the whole state, not of the area code: a mobile number keeps its area
// code when its owner moves within the state, and the upstream zones have errors at area-code level (689, an
// Orlando overlay, is listed as Central time; 474, Saskatchewan, as Winnipeg). Quiet hours must then hold in every
// zone of the state, which is what state law asks of a sender who cannot know the county.

export type AreaCodeInfo = { region: string; zones: readonly string[] };

// [region, zones separated by spaces, area codes separated by spaces]
const ROWS: ReadonlyArray<readonly [string, string, string]> = [
	["CA-AB", "America/Edmonton", "368 403 587 780 825"],
	["CA-BC", "America/Edmonton America/Vancouver", "250"],
	["CA-BC", "America/Vancouver", "236 257 604 672 778"],
	["CA-MB", "America/Winnipeg", "204 431 584"],
	["CA-NB", "America/Halifax", "428 506"],
	["CA-NL", "America/Halifax America/Puerto_Rico America/St_Johns", "709"],
	["CA-NL", "America/Puerto_Rico America/St_Johns", "879"],
	["CA-ON", "America/Toronto", "226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 905 942"],
	["CA-ON", "America/Toronto America/Winnipeg", "807"],
	["CA-QC", "America/Halifax America/Toronto", "418"],
	["CA-QC", "America/Toronto", "263 354 367 438 450 468 514 579 581 819 873"],
	["CA-SK", "America/Regina", "306 639"],
	["CA-SK", "America/Winnipeg", "474"],
	["CA", "America/Edmonton America/Fort_Nelson America/Toronto America/Vancouver America/Winnipeg", "867"],
	["CA", "America/Halifax", "782 902"],
	["US-AK", "America/Adak America/Anchorage America/Juneau Pacific/Honolulu", "907"],
	["US-AL", "America/Chicago", "205 251 256 334 659 938"],
	["US-AR", "America/Chicago", "327 479 501 870"],
	["US-AZ", "America/Denver America/Phoenix", "928"],
	["US-AZ", "America/Phoenix", "480 520 602 623"],
	[
		"US-CA",
		"America/Los_Angeles",
		"209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 714 738 747 760 805 818 820 831 840 858 909 916 925 949 951",
	],
	["US-CO", "America/Denver", "303 719 720 748 970 983"],
	["US-CT", "America/New_York", "203 475 860 959"],
	["US-DC", "America/New_York", "202 771"],
	["US-DE", "America/New_York", "302"],
	["US-FL", "America/Chicago", "689"],
	["US-FL", "America/Chicago America/New_York", "850"],
	["US-FL", "America/New_York", "239 305 321 324 352 386 407 448 561 645 656 727 728 754 772 786 813 863 904 941 954"],
	["US-GA", "America/New_York", "229 404 470 478 678 706 762 770 912 943"],
	["US-HI", "Pacific/Honolulu", "808"],
	["US-IA", "America/Chicago", "319 515 563 641 712"],
	["US-ID", "America/Boise America/Denver America/Los_Angeles", "208"],
	["US-ID", "America/Boise America/Los_Angeles", "986"],
	["US-IL", "America/Chicago", "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872"],
	["US-IN", "America/Chicago America/New_York", "219 574 812"],
	["US-IN", "America/New_York", "260 317 463 765 930"],
	["US-KS", "America/Chicago", "316 913"],
	["US-KS", "America/Chicago America/Denver", "620 785"],
	["US-KY", "America/Chicago America/New_York", "270 606"],
	["US-KY", "America/New_York", "364 502 859"],
	["US-LA", "America/Chicago", "225 318 337 504 985"],
	["US-MA", "America/New_York", "339 351 413 508 617 774 781 857 978"],
	["US-MD", "America/New_York", "227 240 301 410 443 667"],
	["US-ME", "America/New_York", "207"],
	["US-MI", "America/Chicago America/New_York", "906"],
	["US-MI", "America/New_York", "231 248 269 313 517 586 616 734 810 947 989"],
	["US-MN", "America/Chicago", "218 320 507 612 651 763 952"],
	["US-MO", "America/Chicago", "235 314 417 557 573 636 660 816 975"],
	["US-MS", "America/Chicago", "228 601 662 769"],
	["US-MT", "America/Denver", "406"],
	["US-NC", "America/New_York", "252 336 472 704 743 828 910 919 980 984"],
	["US-ND", "America/Chicago America/Denver America/North_Dakota/Center", "701"],
	["US-NE", "America/Chicago", "402 531"],
	["US-NE", "America/Chicago America/Denver", "308"],
	["US-NH", "America/New_York", "603"],
	["US-NJ", "America/New_York", "201 551 609 640 732 848 856 862 908 973"],
	["US-NM", "America/Denver", "505 575"],
	["US-NV", "America/Boise America/Denver America/Los_Angeles", "775"],
	["US-NV", "America/Los_Angeles", "702 725"],
	["US-NY", "America/New_York", "212 315 329 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934"],
	["US-OH", "America/New_York", "216 220 234 283 326 330 380 419 440 513 567 614 740 937"],
	["US-OK", "America/Chicago", "405 539 572 580 918"],
	["US-OR", "America/Denver America/Los_Angeles", "541"],
	["US-OR", "America/Los_Angeles", "458 503 971"],
	["US-PA", "America/New_York", "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878"],
	["US-RI", "America/New_York", "401"],
	["US-SC", "America/New_York", "803 821 839 843 854 864"],
	["US-SD", "America/Chicago America/Denver America/North_Dakota/Center", "605"],
	["US-TN", "America/Chicago", "615 629 731 901 931"],
	["US-TN", "America/Chicago America/New_York", "423"],
	["US-TN", "America/New_York", "865"],
	[
		"US-TX",
		"America/Chicago",
		"210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979",
	],
	["US-TX", "America/Denver", "915"],
	["US-UT", "America/Denver", "385 435 801"],
	["US-VA", "America/New_York", "276 434 540 571 686 703 757 804 826 948"],
	["US-VT", "America/New_York", "802"],
	["US-WA", "America/Los_Angeles", "206 253 360 425 509 564"],
	["US-WI", "America/Chicago", "262 274 353 414 534 608 715 920"],
	["US-WV", "America/New_York", "304 681"],
	["US-WY", "America/Denver", "307"],
];

let table: Map<string, AreaCodeInfo> | undefined;

/**
 * The state or province of a NANP area code ("212") and the zones of that whole state, or undefined when the code
 * is not geographic or not in the table.
 */
export function lookupAreaCode(areaCode: string): AreaCodeInfo | undefined {
	if (table === undefined) {
		table = new Map();
		const stateZones = new Map<string, Set<string>>();
		for (const [region, zones] of ROWS) {
			// "CA" rows span provinces far apart; each keeps its own zones rather than one union across Canada.
			const key = region === "CA" ? zones : region;
			const set = stateZones.get(key) ?? new Set<string>();
			for (const zone of zones.split(" ")) set.add(zone);
			stateZones.set(key, set);
		}
		for (const [region, zones, codes] of ROWS) {
			const union = stateZones.get(region === "CA" ? zones : region) ?? new Set<string>();
			const info: AreaCodeInfo = { region, zones: [...union].sort() };
			for (const code of codes.split(" ")) table.set(code, info);
		}
	}
	return table.get(areaCode);
}
