package store

import (
	"hotline/store/jptext"
	"strings"
	"unicode/utf8"
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
	PortalURL    string `json:"portal_url"`   // 利用者に案内するURL
	// PackageInsertURL is the template of the link to a drug's package
	// insert (添付文書) at PMDA (see DrugPackageInsertURL for its
	// placeholders). Saving it empty keeps the stored template.
	PackageInsertURL string `json:"package_insert_url"`
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
		PortalURL:    "https://localhost:8443/",

		PackageInsertURL: DefaultPackageInsertURL,
	}
}

// Placeholders lists the labels of settings still at their placeholder.
func (s Settings) Placeholders() []string {
	d := DefaultSettings()
	var out []string
	check := func(label, v, def string) {
		if v == def || strings.HasPrefix(v, placeholderMark) {
			out = append(out, label)
		}
	}
	check("運営組織", s.Organisation, d.Organisation)
	check("担当部署", s.Department, d.Department)
	check("郵便番号", s.Postal, d.Postal)
	check("住所", s.Address, d.Address)
	check("電話", s.Phone, d.Phone)
	check("メール", s.Email, d.Email)
	return out
}

// Validate normalises s and reports field errors.
func (s *Settings) Validate() error {
	fe := FieldErrors{}
	req := func(field, label string, v *string, max int) {
		*v = strings.TrimSpace(*v)
		switch {
		case *v == "":
			fe.Add(field, label+"を入力してください")
		case utf8.RuneCountInString(*v) > max:
			fe.Add(field, label+"が長すぎます")
		}
	}
	req("site_name", "サイト名", &s.SiteName, 60)
	req("organisation", "運営組織", &s.Organisation, 100)
	req("department", "担当部署", &s.Department, 100)
	req("address", "住所", &s.Address, 200)
	req("portal_url", "ポータルURL", &s.PortalURL, 200)
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
	if !strings.HasPrefix(s.PortalURL, "https://") {
		fe.Add("portal_url", "ポータルURLは https:// で始めてください")
	}
	if msg := validPackageInsertURL(&s.PackageInsertURL); msg != "" {
		fe.Add("package_insert_url", msg)
	}
	return fe.Err()
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

// Settings returns the current settings. They are read on every page, so
// they are kept in memory after the first read and replaced on save.
func (db *DB) Settings() (Settings, error) {
	if s := db.settings.Load(); s != nil {
		return *s, nil
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
	return s, err
}

func settingsTx(tx *Tx) (Settings, error) {
	s := DefaultSettings()
	_, err := getJSON(tx.bucket(bucketSettings), keySettings, &s)
	return s, err
}

// SaveSettings validates and stores the settings, audited as actor.
func (db *DB) SaveSettings(s Settings, actor, remote string) error {
	if err := s.Validate(); err != nil {
		return err
	}
	err := db.Update(func(tx *Tx) error {
		if s.PackageInsertURL == "" {
			cur, err := settingsTx(tx)
			if err != nil {
				return err
			}
			s.PackageInsertURL = cur.PackageInsertURL
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
