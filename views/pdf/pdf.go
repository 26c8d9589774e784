// Package pdf renders the printed documents of the network as A4 PDFs in
// Japanese: the application forms an applicant signs and mails
// (加入申込書), the letters the operator mails with credentials (利用開始案内,
// 施設登録情報) and the patient's access card (患者様アクセスカード).
//
// Each document is a plain struct of already formatted strings (dates
// arrive as 和暦 text) with a Render method returning the PDF bytes. The
// output is checked before it is returned; a document that could not be
// produced correctly is an error, never a broken file.
//
// Text is set in IPAex Gothic (hotline/static), embedded as a subset, and
// broken into lines here (see WrapText): maroto itself only breaks at ASCII
// spaces.
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
		Postal: st.Postal, Address: st.Address, Phone: st.Phone, Email: st.Email, PortalURL: st.PortalURL}
}
