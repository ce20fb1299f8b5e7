// The sign-in page: the shared top bar, and inside WeCom's own browser (its user agent says
// wxwork) sign-in starts at once, with no extra tap.
import "./common.js";

const start = document.getElementById("wecom-login");
if (start && /wxwork/i.test(navigator.userAgent)) location.replace(start.href);
