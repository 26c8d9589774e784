// Package pdf renders the printed documents of the network in Japanese:
// the application forms an applicant signs and mails (加入申込書), the
// letters the operator mails with credentials (利用開始案内, 施設登録情報),
// the patient's access card (患者様アクセスカード), the referral letter
// (診療情報提供書 in the layout of 別紙様式11) and its reply (紹介患者経過報告書,
// referral.go), and it is the engine for the prescription (院外処方箋
// 様式第二号, A5).
//
// Each document is a plain struct of already formatted strings (dates
// arrive as 和暦 text) with a Render method returning the PDF bytes; the
// referral documents take dates as time.Time and are rendered by
// RenderReferralLetter and RenderReferralReply. The output is checked
// before it is returned; a document that could not be produced correctly
// is an error, never a broken file.
//
// Tests: documents_test.go and window_test.go for the membership
// documents, engine_test.go for the layout engine, referral_test.go for
// the referral letter and reply (text order, a 12,000-character letter
// over pages, 禁則, fonts, qpdf, pages rendered); bench_test.go.
//
// # Building a document
//
// A Render method builds a doc in this order:
//
//  1. Geometry: newDoc(title, a4 or a5, letterhead). The paper fixes the
//     margins and the printable width d.w in millimetres, which is also
//     the number of grid columns: a cell w wide is w millimetres (A4: 180,
//     A5: 128).
//  2. Letterhead: Letterhead{Operator: op} for the network's documents,
//     Letterhead{Operator: op, Facility: f} for a facility's. Its name heads
//     every page and its line is in every footer, beside the page number
//     「1 / 2」 (the total is known when the document is finished).
//     d.runningHeader(right) replaces the title in the header with what
//     tells loose sheets apart (the referral letter: its number and the
//     patient).
//     d.sender(lh, indent) adds its block: the operator's organisation, or
//     the facility's address, name, phone, 医療機関コード and doctor with the
//     「印」 box. d.letterHead adds date, addressee and sender together.
//  3. Content, top to bottom; a block that does not fit goes on the next
//     page, nothing is ever cut. Running text: d.titleRow, d.line,
//     d.paragraph, d.list, d.sectionHeading (kept with what follows),
//     d.space. Tables: d.tableRow(minH, cells...), shaded label cells (lab)
//     and value cells (val) side by side, as tall as the text needs (a cell
//     may have a caption in its corner). Sections: d.section(label, body,
//     labelW, minH), a labelled section (傷病名, 紹介目的 …) whose body is
//     broken into lines with 禁則 (WrapText) and runs on over as many pages
//     as it needs, its label repeated as 「…（続き）」; labelW > 0 puts the
//     label in a column, 0 in a band across the top (d.flowRow does the
//     same for any cells). Forms, for the dense 様式 layouts: f :=
//     d.newForm(h), then f.row(y, h, cells...) for label/value rows of
//     fixed height and f.box(x, y, w, h, cell) for boxes anywhere (spanning
//     rows or columns), each with an optional caption in its top-left
//     corner; checkbox(on) and choice(options, chosen...) print □/■;
//     f.frame draws the heavy outer rule; d.addForm(f) adds the form, or
//     fails when a value does not fit its box even at its smallest size.
//  4. QR: d.qrRow(payload, sjis, qrModule, caption) prints a payload (byte
//     mode, level M) flush right with a caption; a payload longer than one
//     version-15 symbol is split into up to 16 symbols by structured
//     append (package qr). qrEncode gives the symbols to place anywhere,
//     e.g. in a form box with f.place(x, y, w, h, q.components(...)...).
//     Encoded payloads are cached, so a reprint does not encode again.
//  5. d.render() lays the blocks out on pages, builds the font subset and
//     returns the checked PDF (or the first layout error).
//
// Text is set in IPAex Gothic (hotline/static), parsed once per process
// and embedded as a subset (its glyphs renumbered, font.go), and broken into lines here (see WrapText):
// maroto itself only breaks at ASCII spaces. Passwords and IDs printed to
// be typed in are set in DejaVu Sans Mono (d.monoText, mono.go), embedded
// only in the documents that use it.
//
// The credential letters are addressed for a 長形3号 window envelope
// (d.windowHead, letters.go).
package pdf

import "hotline/store"

// Operator is the operator's (ほっとラインセンター's) mailing and contact
// block, printed on every document: where forms are mailed to and whom to
// ask.
type Operator struct {
	SiteName     string // name of the network, e.g. ほっとライン; in every page header
	Organisation string // e.g. 〇〇医師会
	Department   string // e.g. 広報・医療情報課 ほっとライン係
	Postal       string // 〒 number, "101-8328" (a leading 〒 is not doubled)
	Address      string
	Phone        string
	Email        string
	PortalURL    string // the portal's address, https://…
}

// OperatorOf is the operator's block as the settings hold it.
func OperatorOf(st store.Settings) Operator {
	return Operator{SiteName: st.SiteName, Organisation: st.Organisation, Department: st.Department,
		Postal: st.Postal, Address: st.Address, Phone: st.Phone, Email: st.Email, PortalURL: st.Portal()}
}
