package store

import (
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"hotline/store/jptext"
)

var (
	bucketSettings = []byte("settings")
	keySettings    = []byte("site")
)

// Settings are the operator-editable facts printed on pages and letters.
// They start as visible placeholders, never a real organisation's data.
type Settings struct {
	SiteName     string `json:"site_name"`    // サイト名
	Organisation string `json:"organisation"` // 運営組織（ほっとラインセンター）
	Department   string `json:"department"`   // 担当部署
	Postal       string `json:"postal"`       // 郵便番号（申込書の送付先）
	Address      string `json:"address"`      // 住所
	Phone        string `json:"phone"`        // 電話
	Email        string `json:"email"`        // 問合せメール
	// PortalURL is the address printed on letters and cards when the
	// operator gives one; empty means the server's own (ServerURL).
	PortalURL string `json:"portal_url"` // 利用者に案内するURL

	// Terms and Privacy are the texts of 利用規約 and 個人情報の取扱い;
	// empty means the default text. Each change of a text is a new
	// version, which an application records with its consent.
	Terms            string    `json:"terms,omitempty"`
	TermsVersion     int       `json:"terms_version,omitempty"`
	TermsRevisedAt   time.Time `json:"terms_revised_at,omitzero"`
	Privacy          string    `json:"privacy,omitempty"`
	PrivacyVersion   int       `json:"privacy_version,omitempty"`
	PrivacyRevisedAt time.Time `json:"privacy_revised_at,omitzero"`

	// PackageInsertURL is the template of the link to a drug's package
	// insert (添付文書) at PMDA (see DrugPackageInsertURL for its
	// placeholders). Saving it empty keeps the stored template.
	PackageInsertURL string `json:"package_insert_url"`

	// ServerURL is the address the server derives from its command line
	// (--hostname, --addr); not stored.
	ServerURL string `json:"-"`
}

// DefaultPackageInsertURL links PMDA's page of the product's documents:
// {yj} is the 12-character code, or for a 統一名収載品 (whose code names no
// single product) its first 7 characters, which list every product of the
// ingredient and route.
const DefaultPackageInsertURL = "https://www.pmda.go.jp/PmdaSearch/iyakuDetail/GeneralList/{yj}"

// packageInsertPlaceholders are the parts of the template DrugPackageInsertURL
// replaces.
var packageInsertPlaceholders = []string{"{code}", "{code7}", "{code9}", "{yj}"}

// placeholder marks a value the operator has not filled in yet.
const placeholderMark = "（未設定）"

// DefaultServerURL is the server's address when main gave none.
const DefaultServerURL = "https://localhost:8443/"

// DefaultSettings are what a new database starts with.
func DefaultSettings() Settings {
	return Settings{
		SiteName:     "ほっとライン",
		Organisation: placeholderMark + "運営組織名",
		Department:   placeholderMark + "担当部署",
		Postal:       "000-0000",
		Address:      placeholderMark + "申込書の送付先住所",
		Phone:        "00-0000-0000",
		Email:        "operator@example.invalid",
		ServerURL:    DefaultServerURL,

		PackageInsertURL: DefaultPackageInsertURL,
	}
}

// Portal is the portal's address as letters and cards print it: the
// operator's, else the server's own.
func (s Settings) Portal() string {
	if s.PortalURL != "" {
		return s.PortalURL
	}
	if s.ServerURL != "" {
		return s.ServerURL
	}
	return DefaultServerURL
}

// PortalIsPlaceholder reports whether the portal address is one no member
// could reach from another PC: localhost or a loopback address.
func (s Settings) PortalIsPlaceholder() bool { return LocalURL(s.Portal()) }

// LocalURL reports whether u names this machine only (localhost, a
// loopback or unspecified address) or is no URL at all.
func LocalURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Hostname() == "" {
		return true
	}
	h := strings.ToLower(strings.TrimSuffix(p.Hostname(), "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return ip.IsLoopback() || ip.IsUnspecified()
	}
	return false
}

// IsPlaceholder reports whether the named contact field (organisation,
// department, postal, address, phone, email) still holds its placeholder.
func (s Settings) IsPlaceholder(field string) bool {
	d := DefaultSettings()
	is := func(v, def string) bool { return v == def || strings.HasPrefix(v, placeholderMark) }
	switch field {
	case "organisation":
		return is(s.Organisation, d.Organisation)
	case "department":
		return is(s.Department, d.Department)
	case "postal":
		return is(s.Postal, d.Postal)
	case "address":
		return is(s.Address, d.Address)
	case "phone":
		return is(s.Phone, d.Phone)
	case "email":
		return is(s.Email, d.Email)
	}
	return false
}

// contactFields are the contact settings in form order, with labels.
var contactFields = [][2]string{
	{"organisation", "運営組織"}, {"department", "担当部署"}, {"postal", "郵便番号"},
	{"address", "住所"}, {"phone", "電話"}, {"email", "メール"},
}

// ContactPlaceholders lists the labels of the contact settings still at
// their placeholder: until there are none, the public pages say 準備中
// and applications are not taken.
func (s Settings) ContactPlaceholders() []string {
	var out []string
	for _, f := range contactFields {
		if s.IsPlaceholder(f[0]) {
			out = append(out, f[1])
		}
	}
	return out
}

// Placeholders lists the labels of every setting still at a placeholder,
// the portal address included: until there are none, letters and cards
// are not printed.
func (s Settings) Placeholders() []string {
	out := s.ContactPlaceholders()
	if s.PortalIsPlaceholder() {
		out = append(out, "ポータルURL")
	}
	return out
}

// ContactReady reports whether the public contact data is filled in.
func (s Settings) ContactReady() bool { return len(s.ContactPlaceholders()) == 0 }

// Ready reports whether everything printed on paper is filled in.
func (s Settings) Ready() bool { return len(s.Placeholders()) == 0 }

// TermsText is the 利用規約 in force.
func (s Settings) TermsText() string {
	if s.Terms != "" {
		return s.Terms
	}
	return defaultText(defaultTerms, s.SiteName)
}

// PrivacyText is the 個人情報の取扱い in force.
func (s Settings) PrivacyText() string {
	if s.Privacy != "" {
		return s.Privacy
	}
	return defaultText(defaultPrivacy, s.SiteName)
}

// TermsVersionNo is the version of the 利用規約 in force (the default text
// is version 1).
func (s Settings) TermsVersionNo() int { return max(s.TermsVersion, 1) }

// PrivacyVersionNo is the version of the 個人情報の取扱い in force.
func (s Settings) PrivacyVersionNo() int { return max(s.PrivacyVersion, 1) }

// textMax bounds 利用規約 and 個人情報の取扱い, in characters.
const textMax = 20000

// Validate normalises s and reports field errors.
func (s *Settings) Validate() error {
	fe := FieldErrors{}
	req := func(field string, v *string) {
		f := SettingsSpec.Field(field)
		*v = strings.TrimSpace(*v)
		switch {
		case *v == "":
			fe.Add(field, f.Label+"を入力してください")
		case utf8.RuneCountInString(*v) > f.Max:
			fe.Add(field, f.Label+"が長すぎます")
		}
	}
	req("site_name", &s.SiteName)
	req("organisation", &s.Organisation)
	req("department", &s.Department)
	req("address", &s.Address)
	if s.Postal != DefaultSettings().Postal {
		if p, err := jptext.NormalizePostal(s.Postal); err != nil {
			fe.Add("postal", err.Error())
		} else {
			s.Postal = p
		}
	}
	if s.Phone != DefaultSettings().Phone {
		if p, err := jptext.NormalizePhone(s.Phone); err != nil {
			fe.Add("phone", err.Error())
		} else {
			s.Phone = p
		}
	}
	if e, err := jptext.NormalizeEmail(s.Email); err != nil {
		fe.Add("email", err.Error())
	} else {
		s.Email = e
	}
	if u, msg := normalizePortalURL(s.PortalURL); msg != "" {
		fe.Add("portal_url", msg)
	} else {
		s.PortalURL = u
	}
	if msg := validPackageInsertURL(&s.PackageInsertURL); msg != "" {
		fe.Add("package_insert_url", msg)
	}
	for _, t := range []struct {
		field, label string
		v            *string
		def          string
	}{{"terms", "利用規約", &s.Terms, defaultTerms}, {"privacy", "個人情報の取扱い", &s.Privacy, defaultPrivacy}} {
		*t.v = strings.TrimSpace(strings.ReplaceAll(*t.v, "\r\n", "\n"))
		SettingsSpec.Check(fe, t.field, *t.v)
		if *t.v == defaultText(t.def, s.SiteName) {
			// The default, saved back unchanged from the form: keep it
			// the default (it follows the site name).
			*t.v = ""
		}
	}
	return fe.Err()
}

// SettingsSpec is the operator's 設定 form, in screen order. The postal
// code, phone, mail, portal address and the 添付文書 template have rules of
// their own (Validate); Max gives their inputs' length.
var SettingsSpec = Fields{
	{Name: "site_name", Label: "サイト名", Max: 60, Required: true},
	{Name: "organisation", Label: "運営組織", Max: 100, Required: true},
	{Name: "department", Label: "担当部署", Max: 100, Required: true},
	{Name: "postal", Label: "郵便番号", Max: 10, Required: true},
	{Name: "address", Label: "住所", Max: 200, Required: true},
	{Name: "phone", Label: "電話", Max: 20, Required: true},
	{Name: "email", Label: "問合せメール", Max: 254, Required: true},
	{Name: "portal_url", Label: "ポータルURL", Max: 200},
	{Name: "package_insert_url", Label: "添付文書のURL", Max: 300},
	{Name: "terms", Label: "利用規約", Max: textMax, Multiline: true},
	{Name: "privacy", Label: "個人情報の取扱い", Max: textMax, Multiline: true},
}

// SettingsFormFrom reads the form's values (by SettingsSpec's names) into
// settings to save.
func SettingsFormFrom(v map[string]string) Settings {
	return Settings{SiteName: v["site_name"], Organisation: v["organisation"], Department: v["department"],
		Postal: v["postal"], Address: v["address"], Phone: v["phone"], Email: v["email"], PortalURL: v["portal_url"],
		PackageInsertURL: v["package_insert_url"], Terms: v["terms"], Privacy: v["privacy"]}
}

// validPackageInsertURL checks the 添付文書 link template ("" is allowed:
// SaveSettings then keeps the stored one).
func validPackageInsertURL(t *string) string {
	*t = strings.TrimSpace(*t)
	switch {
	case *t == "":
		return ""
	case utf8.RuneCountInString(*t) > 300:
		return "添付文書のURLが長すぎます"
	case jptext.InvalidText(*t) || strings.ContainsAny(*t, " \t\"<>"):
		return "添付文書のURLに使用できない文字があります"
	case !strings.HasPrefix(*t, "https://"):
		return "添付文書のURLは https:// で始めてください"
	}
	for _, p := range packageInsertPlaceholders {
		if strings.Contains(*t, p) {
			return ""
		}
	}
	return "添付文書のURLには医薬品コードの入る位置 {yj}（または {code}・{code7}・{code9}）を入れてください"
}

// normalizePortalURL checks the operator's portal address: empty (the
// server's own), or https://host[:port]/path, ending in "/".
func normalizePortalURL(v string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	if utf8.RuneCountInString(v) > 200 {
		return "", "ポータルURLは200文字以内で入力してください"
	}
	p, err := url.Parse(v)
	switch {
	case err != nil || p.Scheme != "https" || p.Host == "" || p.Hostname() == "":
		return "", "ポータルURLは https://ホスト名/ の形で入力してください（例：https://hotline.example.jp/）"
	case p.User != nil || p.RawQuery != "" || p.Fragment != "" || strings.ContainsAny(v, " \t?#"):
		return "", "ポータルURLにはユーザー名・?・# を含めないでください"
	case LocalURL(v):
		return "", "localhost や 127.0.0.1 は他のPCから接続できません。利用者が接続するホスト名を入力してください"
	}
	if !strings.HasSuffix(p.Path, "/") {
		p.Path += "/"
	}
	return p.String(), ""
}

// SetServerURL records the server's own address (from its command line),
// the portal address when the operator gives none.
func (db *DB) SetServerURL(u string) {
	if u == "" {
		u = DefaultServerURL
	}
	db.serverURL.Store(&u)
}

func (db *DB) serverURLOrDefault() string {
	if u := db.serverURL.Load(); u != nil {
		return *u
	}
	return DefaultServerURL
}

// Settings returns the current settings. They are read on every page, so
// they are kept in memory after the first read and replaced on save.
func (db *DB) Settings() (Settings, error) {
	if s := db.settings.Load(); s != nil {
		out := *s
		out.ServerURL = db.serverURLOrDefault()
		return out, nil
	}
	var s Settings
	err := db.View(func(tx *Tx) error {
		var err error
		s, err = settingsTx(tx)
		return err
	})
	if err == nil {
		db.settings.Store(&s)
	}
	s.ServerURL = db.serverURLOrDefault()
	return s, err
}

// oldDefaultPortalURL is what databases made before the portal address
// followed the command line hold as a placeholder.
const oldDefaultPortalURL = "https://localhost:8443/"

func settingsTx(tx *Tx) (Settings, error) {
	s := DefaultSettings()
	s.ServerURL = ""
	_, err := getJSON(tx.bucket(bucketSettings), keySettings, &s)
	if s.PortalURL == oldDefaultPortalURL {
		s.PortalURL = ""
	}
	return s, err
}

// SaveSettings validates and stores the settings, audited as actor. A
// changed 利用規約 or 個人情報の取扱い becomes a new version dated now.
func (db *DB) SaveSettings(s Settings, actor, remote string) error {
	if err := s.Validate(); err != nil {
		return err
	}
	s.ServerURL = ""
	err := db.Update(func(tx *Tx) error {
		old, err := settingsTx(tx)
		if err != nil {
			return err
		}
		s.TermsVersion, s.TermsRevisedAt = old.TermsVersion, old.TermsRevisedAt
		if s.Terms != old.Terms {
			s.TermsVersion, s.TermsRevisedAt = old.TermsVersionNo()+1, tx.Now
		}
		s.PrivacyVersion, s.PrivacyRevisedAt = old.PrivacyVersion, old.PrivacyRevisedAt
		if s.Privacy != old.Privacy {
			s.PrivacyVersion, s.PrivacyRevisedAt = old.PrivacyVersionNo()+1, tx.Now
		}
		if s.PackageInsertURL == "" {
			s.PackageInsertURL = old.PackageInsertURL
		}
		if err := putJSON(tx.bucket(bucketSettings), keySettings, s); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditSettingsUpdate, Object: "settings", Remote: remote})
	})
	if err == nil {
		db.settings.Store(&s)
	}
	return err
}
