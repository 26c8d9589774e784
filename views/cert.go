package views

import (
	"strconv"
	"time"

	"github.com/a-h/templ"

	"hotline/store"
)

// Client certificate screens (証明書): issue and renewal (/cert), what to do
// after the download (/cert/done), the member's 端末（証明書） list and the
// operator's list of a member's certificates.

// CertMode is what the /cert page offers.
type CertMode string

const (
	CertModeIssue   CertMode = "issue"   // an allowance remains: issue for this PC
	CertModeRenew   CertMode = "renew"   // this PC's certificate expires within 30 days
	CertModeCurrent CertMode = "current" // this PC has a usable certificate: nothing to do
	CertModeNone    CertMode = "none"    // no certificate and no allowance (403)
)

// CertView is the 証明書の発行 page.
type CertView struct {
	Mode         CertMode
	MemberID     string
	Name         string
	PasswordOnly bool
	// Reason says why this PC has no usable certificate (empty when it has).
	Reason string
	// Current is the certificate presented by this PC (renew, current).
	Current *CertificateRow
	// RenewedBy is set when Current was renewed already.
	RenewedBy string
	// OtherPC: issuing while this PC already has a usable certificate.
	OtherPC bool
	// SharedPCs are the shared PCs the operator allows a certificate for;
	// with Ordinary false the issue form offers only them.
	SharedPCs []store.SharedPCGrant
	Ordinary  bool
	// OtherMember: this PC presents another member's certificate (a
	// shared PC).
	OtherMember bool
	// PasswordChanged: the member comes from changing the initial
	// password.
	PasswordChanged bool
	Validity        string
	Form            Form
}

// CertificateRow is one certificate in a list.
type CertificateRow struct {
	Serial     string
	Device     string
	IssuedAt   time.Time
	ExpiresAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
	RevokedBy  string
	Status     string // 有効, まもなく期限切れ, 期限切れ, 失効
	StatusKind string // badge class: ok, warn, danger
	Renewal    bool   // issued as the renewal of another
	SharedPC   bool   // for a shared PC (共用PC), by the operator's allowance
	Current    bool   // the certificate of this request
	Live       bool   // not revoked, not expired: may be revoked
}

// ShortSerial is the start of the serial, enough to tell certificates apart
// on screen.
func (r CertificateRow) ShortSerial() string {
	if len(r.Serial) <= 12 {
		return r.Serial
	}
	return r.Serial[:12] + "…"
}

// CertificateRows turns records into rows; current is the serial this
// request presents.
func CertificateRows(certs []store.Certificate, now time.Time, current string) []CertificateRow {
	out := make([]CertificateRow, 0, len(certs))
	for _, c := range certs {
		out = append(out, CertificateRowOf(c, now, current))
	}
	return out
}

// CertificateRowOf is one row.
func CertificateRowOf(c store.Certificate, now time.Time, current string) CertificateRow {
	kind := "ok"
	switch {
	case !c.Usable(now):
		kind = "danger"
	case c.ExpiresSoon(now):
		kind = "warn"
	}
	return CertificateRow{
		Serial: c.Serial, Device: c.Device, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt,
		LastUsedAt: c.LastUsedAt, RevokedAt: c.RevokedAt, RevokedBy: c.RevokedBy,
		Status: c.StatusLabel(now), StatusKind: kind, Renewal: c.RenewalOf != "", SharedPC: c.SharedPC,
		Current: current != "" && c.Serial == current, Live: c.Usable(now),
	}
}

// ValidityLabel says a certificate lifetime in Japanese (2年, 90日, 12時間).
func ValidityLabel(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= 365*day && d%(365*day) == 0:
		return strconv.Itoa(int(d/(365*day))) + "年"
	case d >= day:
		return strconv.Itoa(int(d/day)) + "日"
	case d >= time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "時間"
	}
	return strconv.Itoa(int(d/time.Minute)) + "分"
}

// CertDoneView is the page after the download.
type CertDoneView struct {
	Renewal bool // the certificate in use was renewed (the session goes on)
}

// certDoneURL is where the page's script goes once the download began.
func certDoneURL(mode CertMode) string {
	if mode == CertModeRenew {
		return "/cert/done?renewal=1"
	}
	return "/cert/done"
}

// MyCertificatesView is the member's 端末（証明書） page.
type MyCertificatesView struct {
	Rows []CertificateRow
	// CurrentSerial is the certificate this PC presents ("" when none).
	CurrentSerial string
	Allowance     int
	Form          Form
}

// AdminCertificatesView is the operator's list of a member's certificates.
type AdminCertificatesView struct {
	MemberID  string
	Name      string
	Status    string
	Active    bool
	Allowance int
	Rows      []CertificateRow
	Notice    string
	// SharedPCs are the allowances for shared PCs not used yet; SharedForm
	// is the form that grants one.
	SharedPCs  []store.SharedPCGrant
	SharedForm Form
}

func deviceHint(v CertView) string {
	h := "このPCを見分ける名前（例：受付PC、診察室1）。" + strconv.Itoa(v.Form.Spec.Field("device_name").Max) + "文字以内。"
	if len(v.SharedPCs) > 0 {
		h += "共用PC用に発行する場合は入力不要です。"
	}
	return h
}

// deviceForm is the issue form for the device name, which a shared PC's
// certificate does not need: not required while shared PCs are offered.
func deviceForm(v CertView) Form {
	if len(v.SharedPCs) > 0 {
		return v.Form.Optional("device_name")
	}
	return v.Form
}

func passphraseHint() string {
	return strconv.Itoa(store.PassphraseMinLength) + "文字以上。証明書ファイルを取り込むときに入力します。ログインのパスワードとは別のものにしてください。"
}

// passphraseAttrs give the passphrase inputs their minimum length.
func passphraseAttrs() templ.Attributes {
	return templ.Attributes{"minlength": strconv.Itoa(store.PassphraseMinLength)}
}
