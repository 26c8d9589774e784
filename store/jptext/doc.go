// Package jptext holds the pure rules of Japanese text the forms and
// searches share: カナ (full, half width, hiragana) and its search key,
// width folding of letters and digits, 和暦 dates, e-mail, phone and postal
// numbers, and the check digits of 保険者番号 and 医療機関コード. Nothing
// here touches storage; store validates forms with it.
package jptext
