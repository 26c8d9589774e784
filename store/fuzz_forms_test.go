package store

import (
	"bytes"
	"hotline/store/jptext"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for the form validators and normalisers of members,
// applications, PRS and the operator's pages. Each asserts what the form
// promises: errors are EINVALID and name only the form's own fields; a
// form that passes holds normalised values that pass their own checks and
// passes again unchanged.

// wantFieldErrors fails unless err is EINVALID with messages for known
// fields only.
func wantFieldErrors(t *testing.T, err error, fields ...string) {
	t.Helper()
	if ErrorCode(err) != EINVALID || len(ErrorFields(err)) == 0 {
		t.Fatalf("unexpected error: %v (code %q)", err, ErrorCode(err))
	}
	for field := range ErrorFields(err) {
		if !slices.Contains(fields, field) {
			t.Fatalf("message for unknown field %q: %v", field, ErrorFields(err))
		}
	}
}

// singleLine reports whether s is fit to store in a one-line field.
func singleLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, isControl) && s == strings.TrimSpace(s)
}

// multiLine reports whether s is fit to store in a text area.
func multiLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && r != '\t' && isControl(r) }) &&
		!strings.Contains(s, "\r") && s == strings.TrimSpace(s)
}

// fuzzNow is "today" of the date checks: 2026-04-02 00:30 in Japan.
var fuzzNow = time.Date(2026, 4, 1, 15, 30, 0, 0, time.UTC)

func FuzzPatientForm(f *testing.F) {
	p := samplePatient()
	f.Add(p.Name, p.NameKana, p.BirthDate, p.Sex, p.ChartNumber, p.InsurerNumber, p.InsuredSymbol, p.InsuredNumber, p.InsuredBranch, p.Postal, p.Address, p.Phone, p.Allergies, p.Notes)
	f.Add("佐藤 花子", "ｻﾄｳ ﾊﾅｺ", "2026-04-02", "female", "", "", "", "", "", "", "", "", "", "")
	f.Add("x", "ア", "2026-04-03", "male", "a-1", "06130012", "", "", "", "", "", "", "", "")
	f.Add("\xff", "\x00", "R8.4.3", "other", "ー", "12345678", "\t", "１", "１", "100", "\u202e", "0", "\r\n", "\r")
	f.Add(" 名\u3000前 ", "ヴァ", "S45.4.1", " male ", " ab-12 ", "０１１３００１２", "記 号", "番 号", "01", "100-0001", " 住所 ", "03-1234-5678", "a\r\nb", strings.Repeat("長", 2001))
	fields := PatientSpec.Names()
	f.Fuzz(func(t *testing.T, name, kana, birth, sex, chart, insurer, symbol, number, branch, postal, address, phone, allergies, notes string) {
		form := PatientForm{Name: name, NameKana: kana, BirthDate: birth, Sex: sex, ChartNumber: chart, InsurerNumber: insurer,
			InsuredSymbol: symbol, InsuredNumber: number, InsuredBranch: branch, Postal: postal, Address: address, Phone: phone,
			Allergies: allergies, Notes: notes}
		if err := form.validate(fuzzNow); err != nil {
			wantFieldErrors(t, err, fields...)
			return
		}
		for _, v := range []string{form.Name, form.InsuredSymbol, form.InsuredNumber, form.Address} {
			if !singleLine(v) || jptext.InvalidText(v) {
				t.Fatalf("accepted %q in %+v", v, form)
			}
		}
		if !multiLine(form.Allergies) || !multiLine(form.Notes) || form.Name == "" {
			t.Fatalf("accepted %+v", form)
		}
		if k, err := jptext.NormalizeKana(form.NameKana); err != nil || k != form.NameKana || k == "" {
			t.Fatalf("kana %q does not pass jptext.NormalizeKana: %q %v", form.NameKana, k, err)
		}
		d, err := jptext.ParseDate(form.BirthDate)
		if err != nil || d.IsZero() || d.Format("2006-01-02") != form.BirthDate || d.After(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("birth date %q (%v, %v) from %q", form.BirthDate, d, err, birth)
		}
		if !Sex(form.Sex).Valid() {
			t.Fatalf("sex %q accepted", form.Sex)
		}
		if c, ok := NormalizeChartNumber(form.ChartNumber); !ok || c != form.ChartNumber || len(c) > PatientSpec.Field("chart_number").Max {
			t.Fatalf("chart number %q accepted", form.ChartNumber)
		}
		if form.InsurerNumber != "" {
			if n, err := jptext.NormalizeInsurerNumber(form.InsurerNumber); err != nil || n != form.InsurerNumber {
				t.Fatalf("insurer number %q does not pass its check: %q %v", form.InsurerNumber, n, err)
			}
		} else if form.InsuredSymbol != "" || form.InsuredNumber != "" || form.InsuredBranch != "" {
			t.Fatalf("insured fields without an insurer: %+v", form)
		}
		if form.InsuredBranch != "" && (len(form.InsuredBranch) != 2 || !isDigits(form.InsuredBranch) || form.InsuredNumber == "") {
			t.Fatalf("branch %q accepted", form.InsuredBranch)
		}
		if n, err := jptext.NormalizePostal(form.Postal); err != nil || n != form.Postal {
			t.Fatalf("postal %q accepted", form.Postal)
		}
		if n, err := jptext.NormalizePhone(form.Phone); err != nil || n != form.Phone {
			t.Fatalf("phone %q accepted", form.Phone)
		}
		again := form
		if err := again.validate(fuzzNow); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzApplicationForm(f *testing.F) {
	a := validApplication("taro@example.jp")
	f.Add(a.Name, a.NameKana, a.Qualification, a.LicenseNumber, a.Email, a.Phone, a.FacilityChoice, a.FacilityOID, a.FacilityName, a.FacilityKind, a.FacilityCode, a.FacilityPostal, a.FacilityAddress, a.FacilityPhone)
	f.Add("山田 花子", "ヤマダ ハナコ", "nurse", "第１２３，４５６号", "hanako@example.jp", "0312345678", "existing", "ｆ０００１２３", "", "", "", "", "", "")
	f.Add("x", "ア", "other", "", "a@b.jp", "090-1234-5678", "", "F000001", "name", "", "", "", "", "")
	f.Add("\xff", "\x00", "doctor", "1\x002", "\xff@x", "\r", "new", "", "薬局", "pharmacy", "0110113719", "100", "\u202e", "")
	f.Fuzz(func(t *testing.T, name, kana, qual, license, email, phone, choice, oid, facName, facKind, facCode, facPostal, facAddress, facPhone string) {
		form := ApplicationForm{Name: name, NameKana: kana, Qualification: qual, LicenseNumber: license, Email: email, Phone: phone,
			FacilityChoice: choice, FacilityOID: oid, FacilityName: facName, FacilityKind: facKind, FacilityCode: facCode,
			FacilityPostal: facPostal, FacilityAddress: facAddress, FacilityPhone: facPhone}
		if err := form.Validate(); err != nil {
			wantFieldErrors(t, err, "name", "name_kana", "qualification", "license_number", "email", "phone", "facility_choice",
				"facility_oid", "facility_name", "facility_kind", "facility_code", "facility_postal", "facility_address", "facility_phone")
			return
		}
		if !singleLine(form.Name) || form.Name == "" {
			t.Fatalf("name %q accepted", form.Name)
		}
		if k, err := jptext.NormalizeKana(form.NameKana); err != nil || k != form.NameKana || k == "" {
			t.Fatalf("kana %q does not pass jptext.NormalizeKana: %v", form.NameKana, err)
		}
		if !Qualification(form.Qualification).Valid() {
			t.Fatalf("qualification %q accepted", form.Qualification)
		}
		if form.LicenseNumber != "" && !licenseNumberPattern.MatchString(form.LicenseNumber) ||
			form.LicenseNumber == "" && Qualification(form.Qualification) != QualOther {
			t.Fatalf("licence number %q accepted for %q", form.LicenseNumber, form.Qualification)
		}
		if e, err := jptext.NormalizeEmail(form.Email); err != nil || e != form.Email || e == "" {
			t.Fatalf("e-mail %q accepted", form.Email)
		}
		if p, err := jptext.NormalizePhone(form.Phone); err != nil || p != form.Phone || p == "" {
			t.Fatalf("phone %q accepted", form.Phone)
		}
		switch form.FacilityChoice {
		case FacilityChoiceExisting:
			if o, ok := NormalizeFacilityOID(form.FacilityOID); !ok || o != form.FacilityOID ||
				form.FacilityName+form.FacilityKind+form.FacilityCode+form.FacilityPostal+form.FacilityAddress+form.FacilityPhone != "" {
				t.Fatalf("registered facility accepted: %+v", form)
			}
		case FacilityChoiceNew:
			kind := FacilityKind(form.FacilityKind)
			if form.FacilityOID != "" || !kind.Valid() || !singleLine(form.FacilityName) || form.FacilityName == "" ||
				!singleLine(form.FacilityAddress) || form.FacilityAddress == "" {
				t.Fatalf("new facility accepted: %+v", form)
			}
			if form.FacilityCode == "" && kind != FacilityOther {
				t.Fatalf("no code for %q accepted", kind)
			}
			if form.FacilityCode != "" {
				if c, err := jptext.NormalizeMedicalInstitutionCode(form.FacilityCode); err != nil || c != form.FacilityCode {
					t.Fatalf("code %q does not pass its check digit: %v", form.FacilityCode, err)
				}
			}
			if p, err := jptext.NormalizePostal(form.FacilityPostal); err != nil || p != form.FacilityPostal || p == "" {
				t.Fatalf("facility postal %q accepted", form.FacilityPostal)
			}
			if p, err := jptext.NormalizePhone(form.FacilityPhone); err != nil || p != form.FacilityPhone || p == "" {
				t.Fatalf("facility phone %q accepted", form.FacilityPhone)
			}
		default:
			t.Fatalf("choice %q accepted", form.FacilityChoice)
		}
		again := form
		if err := again.Validate(); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzLinkForm(f *testing.F) {
	f.Add("F000123", "on", "written", "")
	f.Add("ｆ０００１２３", "1", "verbal", "令和8年4月2日")
	f.Add(" f000123 ", "TRUE", " written ", "2026-04-03")
	f.Add("F00012", "off", "email", "2026-02-30")
	f.Add("\xff", "\x00", "\r\n", "\xff")
	f.Fuzz(func(t *testing.T, oid, consent, method, date string) {
		form := LinkForm{FacilityOID: oid, Consent: consent, ConsentMethod: method, ConsentDate: date}
		got, err := form.validate(fuzzNow)
		if err != nil {
			wantFieldErrors(t, err, LinkSpec.Names()...)
			return
		}
		if o, ok := NormalizeFacilityOID(form.FacilityOID); !ok || o != form.FacilityOID {
			t.Fatalf("OID %q accepted", form.FacilityOID)
		}
		if form.Consent != "on" || !ConsentMethod(form.ConsentMethod).Valid() {
			t.Fatalf("accepted %+v", form)
		}
		if got.IsZero() || got.After(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)) || got.Format("2006-01-02") != form.ConsentDate {
			t.Fatalf("consent date %v (%q) from %q", got, form.ConsentDate, date)
		}
		again := form
		if d, err := again.validate(fuzzNow); err != nil || again != form || !d.Equal(got) {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzParseDepartments(f *testing.F) {
	for _, s := range []string{"", "内科\n外科", "内科、外科,小児科，皮膚科､眼科", " 内科 \r\n\r\n内科\n", "整形\u3000外科", "\xff、\x00", "、、,,\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		deps := ParseDepartments(s)
		seen := map[string]bool{}
		for _, d := range deps {
			if d == "" || seen[d] || d != normalizeSpaces(d) || strings.ContainsAny(d, "\r\n、,，､") {
				t.Fatalf("ParseDepartments(%q) = %q", s, deps)
			}
			seen[d] = true
		}
		if again := ParseDepartments(strings.Join(deps, "\n")); !slices.Equal(again, deps) {
			t.Fatalf("not idempotent: %q → %q → %q", s, deps, again)
		}
	})
}

func FuzzFacilityInfoForm(f *testing.F) {
	f.Add("山田クリニック", "1000001", "東京都千代田区千代田1-1", "03-1234-5678", "内科\n外科")
	f.Add(" 山田\u3000医院 ", "１００－０００１", " 住所 ", "０３１２３４５６７８", "内科、内科、"+strings.Repeat("科", 31))
	f.Add("", "", "", "", "")
	f.Add("\xff", "\x00", "\r", "\n", "内科\t外科")
	f.Fuzz(func(t *testing.T, name, postal, address, phone, deps string) {
		form := FacilityInfoForm{Name: name, Postal: postal, Address: address, Phone: phone, Departments: deps}
		if err := form.Validate(); err != nil {
			wantFieldErrors(t, err, "name", "postal", "address", "phone", "departments")
			return
		}
		if !singleLine(form.Name) || form.Name == "" || !singleLine(form.Address) || form.Address == "" || jptext.InvalidText(form.Address) {
			t.Fatalf("accepted %+v", form)
		}
		if p, err := jptext.NormalizePostal(form.Postal); err != nil || p != form.Postal || p == "" {
			t.Fatalf("postal %q accepted", form.Postal)
		}
		if p, err := jptext.NormalizePhone(form.Phone); err != nil || p != form.Phone || p == "" {
			t.Fatalf("phone %q accepted", form.Phone)
		}
		list := ParseDepartments(form.Departments)
		if strings.Join(list, "\n") != form.Departments || len(list) > maxDepartments {
			t.Fatalf("departments %q accepted", form.Departments)
		}
		for _, d := range list {
			if jptext.InvalidText(d) || utf8.RuneCountInString(d) > maxDepartment {
				t.Fatalf("department %q accepted", d)
			}
		}
		again := form
		if err := again.Validate(); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzProfileForm(f *testing.F) {
	f.Add("山田 太郎", "やまだ たろう", "taro@example.jp", "03-1234-5678", "内科")
	f.Add(" 山田\u3000太郎 ", "ﾔﾏﾀﾞ", "Taro@Example.JP", "０３１２３４５６７８", "")
	f.Add("", "", "", "", "")
	f.Add("\xff", "\x00", "a@b", "\r", "\u202e")
	f.Fuzz(func(t *testing.T, name, kana, email, phone, dept string) {
		form := ProfileForm{Name: name, NameKana: kana, Email: email, Phone: phone, Department: dept}
		if err := form.Validate(); err != nil {
			wantFieldErrors(t, err, "name", "name_kana", "email", "phone", "department")
			return
		}
		if !singleLine(form.Name) || form.Name == "" || !singleLine(form.Department) {
			t.Fatalf("accepted %+v", form)
		}
		if k, err := jptext.NormalizeKana(form.NameKana); err != nil || k != form.NameKana || k == "" {
			t.Fatalf("kana %q accepted", form.NameKana)
		}
		if e, err := jptext.NormalizeEmail(form.Email); err != nil || e != form.Email || e == "" {
			t.Fatalf("e-mail %q accepted", form.Email)
		}
		if p, err := jptext.NormalizePhone(form.Phone); err != nil || p != form.Phone || p == "" {
			t.Fatalf("phone %q accepted", form.Phone)
		}
		again := form
		if err := again.Validate(); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzRequestForm(f *testing.F) {
	f.Add(string(RequestCertReissue), "PCを入れ替えました。")
	f.Add(" withdrawal ", "\r\n退会します\r\n")
	f.Add("", "")
	f.Add("other", "\xff")
	f.Add("\x00", strings.Repeat("あ", 2001))
	f.Fuzz(func(t *testing.T, kind, body string) {
		form := RequestForm{Kind: RequestKind(kind), Body: body}
		if err := form.Validate(); err != nil {
			wantFieldErrors(t, err, "kind", "body")
			return
		}
		if !form.Kind.Valid() || form.Body == "" || !utf8.ValidString(form.Body) || form.Body != strings.TrimSpace(form.Body) ||
			utf8.RuneCountInString(form.Body) > 2000 ||
			strings.ContainsFunc(form.Body, func(r rune) bool { return r != '\n' && r != '\r' && r != '\t' && isControl(r) }) {
			t.Fatalf("accepted %+v", form)
		}
		again := form
		if err := again.Validate(); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzSiteLinkForm(f *testing.F) {
	f.Add("厚生労働省", "https://www.mhlw.go.jp/", "説明", "10")
	f.Add(" x ", "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｊｐ／", "", "１２")
	f.Add("", "javascript:alert(1)", "", "-1")
	f.Add("t", "https://user:pw@example.jp/", "\xff", "99999")
	f.Add("t", "http://[::1]:80/", "a\r\nb", "0")
	f.Fuzz(func(t *testing.T, title, rawURL, desc, order string) {
		form := SiteLinkForm{Title: title, URL: rawURL, Description: desc, Order: order}
		link, err := form.Validate()
		if err != nil {
			wantFieldErrors(t, err, "title", "url", "description", "order")
			return
		}
		if !singleLine(link.Title) || link.Title == "" || !singleLine(link.URL) || link.Order < 0 || link.Order > 9999 ||
			!utf8.ValidString(link.Description) || link.Description != strings.TrimSpace(link.Description) {
			t.Fatalf("accepted %+v", link)
		}
		if !strings.HasPrefix(link.URL, "http://") && !strings.HasPrefix(link.URL, "https://") {
			// url.Parse takes the scheme case-insensitively.
			if l := strings.ToLower(link.URL); !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
				t.Fatalf("URL %q accepted", link.URL)
			}
		}
		again := form
		if l2, err := again.Validate(); err != nil || again != form || l2 != link {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzOperatorForm(f *testing.F) {
	f.Add("suzuki", "鈴木 一郎")
	f.Add(" ｓｕｚｕｋｉ ", "鈴木\u3000一郎")
	f.Add("Suzuki", "")
	f.Add("ab", "\xff")
	f.Add("a\x00b", strings.Repeat("名", 61))
	f.Fuzz(func(t *testing.T, id, name string) {
		form := OperatorForm{ID: id, Name: name}
		if err := form.Validate(); err != nil {
			wantFieldErrors(t, err, "id", "name")
			return
		}
		if !operatorIDPattern.MatchString(form.ID) || !singleLine(form.Name) || form.Name == "" {
			t.Fatalf("accepted %+v", form)
		}
		// The operator logs in with the name given here.
		if login := NormalizeAccountID(form.ID); login != form.ID {
			t.Fatalf("operator %q accepted, but its login name reads as %q", form.ID, login)
		}
		again := form
		if err := again.Validate(); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzNormalizeChartNumber(f *testing.F) {
	for _, s := range []string{"", "12345", "１２３４５", " ab-12 ", "Ａ－１", "a b", "カルテ", "\xff", "-", strings.Repeat("9", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizeChartNumber(s)
		if !ok {
			return
		}
		if !validChartNumber(got) || strings.ContainsAny(got, " \t") {
			t.Fatalf("NormalizeChartNumber(%q) = %q", s, got)
		}
		if again, ok := NormalizeChartNumber(got); !ok || again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
	})
}

func FuzzNormalizeFacilityOID(f *testing.F) {
	for _, s := range []string{"", "F000123", "f000123", "Ｆ０００１２３", " F000123 ", "F00012", "F0001234", "G000123", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := NormalizeFacilityOID(s)
		if !ok {
			return
		}
		if len(got) != 7 || got[0] != 'F' || !isDigits(got[1:]) {
			t.Fatalf("NormalizeFacilityOID(%q) = %q", s, got)
		}
		if again, ok := NormalizeFacilityOID(got); !ok || again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if typed, ok := typedFacilityOID(s); !ok || typed != got {
			t.Fatalf("the application form reads %q as %q, the link form as %q", s, typed, got)
		}
	})
}

func FuzzNormalizeLicenseNumber(f *testing.F) {
	for _, s := range []string{"", "123456", "１２３４５６", "第123,456号", "第１２３，４５６号", " 12 34 ", "第号", "号第", "\xff", "1、2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := normalizeLicenseNumber(s)
		if again := normalizeLicenseNumber(got); again != got && licenseNumberPattern.MatchString(got) {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if strings.ContainsAny(got, " ,，、") {
			t.Fatalf("normalizeLicenseNumber(%q) = %q keeps a separator", s, got)
		}
	})
}

func FuzzDecodePatientRow(f *testing.F) {
	p := Patient{ID: "P1234567890", Status: PatientActive, Name: "山田　太郎", NameKana: "ヤマダ タロウ",
		BirthDate: time.Date(1970, 4, 1, 0, 0, 0, 0, time.UTC), Sex: SexMale, ChartNumber: "12345"}
	f.Add(encodePatientRow(p))
	p.ChartNumber, p.Status = "", PatientInactive
	f.Add(encodePatientRow(p))
	for _, s := range []string{"", "\x00", "\x00\x00\x00\x00\x00\x00\x00", "a\x00b\x00c\x00d\x00e\x0019700401\x00f\x00g\x00h",
		"\x00\x00\x00\x00\x0099999999\x00\x00", "\x00\x00\x00\x00\x00-0000000\x00\x00", "\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, row []byte) {
		got, ok := decodePatientRow("F000001", 7, row)
		if !ok {
			if got != (Patient{}) {
				t.Fatalf("refused %q but returned %+v", row, got)
			}
			return
		}
		if got.FacilityOID != "F000001" || got.Seq != 7 || strings.ContainsRune(got.ID+got.Name+got.NameKana+string(got.Status)+string(got.Sex)+got.ChartNumber, 0) {
			t.Fatalf("decodePatientRow(%q) = %+v", row, got)
		}
		// What decodes encodes to a row that decodes the same, and to the
		// row itself when its name key is the one the store would write.
		enc := encodePatientRow(got)
		if back, ok := decodePatientRow("F000001", 7, enc); !ok || back != got {
			t.Fatalf("row %q decodes to %+v, which encodes to %q, which decodes to %+v, %v", row, got, enc, back, ok)
		}
		if bytes.Equal(rowNameKey(row), []byte(nameSearchKey(got.Name))) && !bytes.Equal(enc, row) {
			t.Fatalf("row %q decodes to %+v, which encodes to %q", row, got, enc)
		}
	})
}
