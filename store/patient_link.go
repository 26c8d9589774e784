package store

import (
	"encoding/base64"
	"encoding/json"
	"hotline/store/jptext"
	"regexp"
	"strings"
	"time"
)

// Links (地域連携の前提): with the patient's consent, the registering
// facility links a patient to another facility, which then sees the
// patient in its 「連携患者」 list. Revoking the consent unlinks; the link
// record stays as history.

// ConsentMethod is how the patient consented (同意の方法).
type ConsentMethod string

const (
	ConsentWritten ConsentMethod = "written" // 書面
	ConsentVerbal  ConsentMethod = "verbal"  // 口頭
)

// ConsentMethods in the order forms list them.
var ConsentMethods = []ConsentMethod{ConsentWritten, ConsentVerbal}

// Label is the method in Japanese.
func (m ConsentMethod) Label() string {
	switch m {
	case ConsentWritten:
		return "書面"
	case ConsentVerbal:
		return "口頭"
	}
	return string(m)
}

// Valid reports whether m is a known method.
func (m ConsentMethod) Valid() bool { return m == ConsentWritten || m == ConsentVerbal }

// PatientLink is one link of a patient to another facility.
type PatientLink struct {
	Seq           uint64        `json:"seq"`
	PatientID     string        `json:"patient_id"`
	FacilityOID   string        `json:"facility_oid"`
	FacilityName  string        `json:"facility_name"` // at the time of linking
	ConsentDate   time.Time     `json:"consent_date"`
	ConsentMethod ConsentMethod `json:"consent_method"`
	LinkedAt      time.Time     `json:"linked_at"`
	LinkedBy      string        `json:"linked_by"`
	RevokedAt     time.Time     `json:"revoked_at,omitzero"`
	RevokedBy     string        `json:"revoked_by,omitempty"`
	RevokeReason  string        `json:"revoke_reason,omitempty"`
}

// Active reports whether the link is live (consent not revoked).
func (l PatientLink) Active() bool { return l.RevokedAt.IsZero() }

// ConsentDateString is the consent date as YYYY-MM-DD.
func (l PatientLink) ConsentDateString() string { return l.ConsentDate.Format("2006-01-02") }

// LinkForm is what the link form posts.
type LinkForm struct {
	FacilityOID   string
	Consent       string // "on" when the consent box is ticked
	ConsentMethod string
	ConsentDate   string // empty: today
}

// LinkSpec is the link form (連携), in screen order.
var LinkSpec = Fields{
	{Name: "facility_oid", Label: "連携先の施設ID（OID）", Max: 20, Required: true},
	{Name: "consent", Label: "患者様の同意", Required: true},
	{Name: "consent_method", Label: "同意の方法", Required: true},
	{Name: "consent_date", Label: "同意日", Max: 30},
}

// LinkFormFrom reads the form's values (by LinkSpec's names).
func LinkFormFrom(v map[string]string) LinkForm {
	return LinkForm{FacilityOID: v["facility_oid"], Consent: v["consent"], ConsentMethod: v["consent_method"], ConsentDate: v["consent_date"]}
}

// Values is the form as field name → value (to re-render it).
func (f LinkForm) Values() map[string]string {
	return map[string]string{"facility_oid": f.FacilityOID, "consent": f.Consent, "consent_method": f.ConsentMethod, "consent_date": f.ConsentDate}
}

// reasonSpec is the reason a member gives for an unlink or a deactivation.
var reasonSpec = Fields{{Name: "reason", Label: "理由", Max: 500, Multiline: true}}

var facilityOIDPattern = regexp.MustCompile(`^F[0-9]{6}$`)

// NormalizeFacilityOID folds what a person types into a facility ID
// (F + 6 digits); ok is false when it is not one.
func NormalizeFacilityOID(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(jptext.NormalizeWidth(s)))
	return s, facilityOIDPattern.MatchString(s)
}

// validate checks the form; now gives today in Japan for the default date.
func (f *LinkForm) validate(now time.Time) (time.Time, error) {
	fe := FieldErrors{}
	if jptext.InvalidText(f.FacilityOID) {
		fe.Add("facility_oid", jptext.ErrControlCharacter.Error())
	} else if oid, ok := NormalizeFacilityOID(f.FacilityOID); oid == "" {
		fe.Add("facility_oid", "連携先の施設ID（OID）を入力してください")
	} else if !ok {
		fe.Add("facility_oid", "施設ID（OID）は「F」と6桁の数字です（例：F000123）")
	} else {
		f.FacilityOID = oid
	}
	switch strings.ToLower(strings.TrimSpace(f.Consent)) {
	case "on", "1", "true", "yes":
		f.Consent = "on"
	default:
		fe.Add("consent", "連携には患者様の同意が必要です。同意を得たことを確認してチェックしてください")
	}
	f.ConsentMethod = strings.TrimSpace(f.ConsentMethod)
	if f.ConsentMethod == "" {
		fe.Add("consent_method", "同意の方法（書面・口頭）を選択してください")
	} else if !ConsentMethod(f.ConsentMethod).Valid() {
		fe.Add("consent_method", "同意の方法は「書面」または「口頭」を選択してください")
	}
	var date time.Time
	if strings.TrimSpace(f.ConsentDate) == "" {
		y, m, d := now.In(Tokyo).Date()
		date = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	} else if t, err := jptext.ParseDate(f.ConsentDate); err != nil {
		fe.Add("consent_date", err.Error())
	} else {
		y, m, d := now.In(Tokyo).Date()
		if t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
			fe.Add("consent_date", "同意日に未来の日付は入力できません")
		}
		date = t
	}
	if !date.IsZero() {
		f.ConsentDate = date.Format("2006-01-02")
	}
	return date, fe.Err()
}

func patientLinksTx(tx *Tx, id string) ([]PatientLink, error) {
	prefix := append(indexKey(id), 0)
	var out []PatientLink
	c := tx.bucket(bucketPatientLinks).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var l PatientLink
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, Errorf(EINTERNAL, "patient link %q: %v", k, err)
		}
		out = append(out, l)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func putPatientLinkTx(tx *Tx, l PatientLink) error {
	return putJSON(tx.bucket(bucketPatientLinks), indexKey(l.PatientID, string(itob(l.Seq))), l)
}

// LinkPatient links a patient of the actor's facility to another facility
// with the patient's consent.
func (db *DB) LinkPatient(a PRSActor, id string, f LinkForm) (PatientLink, error) {
	if err := a.check(); err != nil {
		return PatientLink{}, err
	}
	date, verr := f.validate(db.Now())
	var out PatientLink
	err := db.Update(func(tx *Tx) error {
		// Access first: a stranger learns nothing from validation messages.
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		if verr != nil {
			return verr
		}
		if !p.Active() {
			return errPatientInactive
		}
		if f.FacilityOID == p.FacilityOID {
			return Invalid("facility_oid", "自施設とは連携できません。連携先の施設IDを入力してください")
		}
		target, err := facilityTx(tx, f.FacilityOID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && !target.Active) {
			return Invalid("facility_oid", "この施設ID（OID）の施設は登録されていません（または利用停止中です）")
		}
		if err != nil {
			return err
		}
		byFa := tx.bucket(bucketPatientLinksByFa)
		if byFa.Get(indexKey(f.FacilityOID, p.ID)) != nil {
			return Invalid("facility_oid", "この施設とは既に連携しています")
		}
		seq, err := tx.bucket(bucketPatientLinks).NextSequence()
		if err != nil {
			return err
		}
		l := PatientLink{Seq: seq, PatientID: p.ID, FacilityOID: target.OID, FacilityName: target.Name,
			ConsentDate: date, ConsentMethod: ConsentMethod(f.ConsentMethod), LinkedAt: tx.Now, LinkedBy: a.MemberID}
		if err := putPatientLinkTx(tx, l); err != nil {
			return err
		}
		if err := byFa.Put(indexKey(target.OID, p.ID), itob(seq)); err != nil {
			return err
		}
		out = l
		e := a.audit(AuditPatientLink, p.ID, "facility:"+target.OID+" consent:"+f.ConsentMethod+" "+f.ConsentDate)
		return AppendAudit(tx, e)
	})
	return out, err
}

// UnlinkPatient revokes a link (the patient withdrew consent). The link
// stays in the history with who revoked it, when and why.
func (db *DB) UnlinkPatient(a PRSActor, id, oid, reason string) error {
	if err := a.check(); err != nil {
		return err
	}
	oid, _ = NormalizeFacilityOID(oid)
	reason = strings.TrimSpace(normalizeNewlines(reason))
	fe := FieldErrors{}
	reasonSpec.Check(fe, "reason", reason)
	return db.Update(func(tx *Tx) error {
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		byFa := tx.bucket(bucketPatientLinksByFa)
		v := byFa.Get(indexKey(oid, p.ID))
		if len(v) != 8 {
			return Errorf(ENOTFOUND, "この施設との連携は見つかりません（既に解除されています）")
		}
		var l PatientLink
		found, err := getJSON(tx.bucket(bucketPatientLinks), indexKey(p.ID, string(v)), &l)
		if err != nil {
			return err
		}
		if !found {
			return Errorf(EINTERNAL, "link %s/%s: record missing", p.ID, oid)
		}
		l.RevokedAt, l.RevokedBy, l.RevokeReason = tx.Now, a.MemberID, reason
		if err := putPatientLinkTx(tx, l); err != nil {
			return err
		}
		if err := byFa.Delete(indexKey(oid, p.ID)); err != nil {
			return err
		}
		// The DMS disclosures to that facility rested on this consent.
		if err := revokeLinkDisclosuresTx(tx, a, p.ID, oid); err != nil {
			return err
		}
		return AppendAudit(tx, a.audit(AuditPatientUnlink, p.ID, "facility:"+oid+" "+clipRunes(reason, 200)))
	})
}

// LinkedPatient is one line of the 「連携患者」 list: a patient of another
// facility linked to the actor's, with what identifies them.
type LinkedPatient struct {
	Patient      Patient // identifying fields only
	HomeFacility string
	Link         PatientLink
}

// LinkedPatientPage is one page of the 「連携患者」 list.
type LinkedPatientPage struct {
	Patients []LinkedPatient
	Next     string // cursor for the next page, "" when none
}

// LinkedPatients lists the patients linked to the actor's facility.
func (db *DB) LinkedPatients(a PRSActor, after string, limit int) (LinkedPatientPage, error) {
	if err := a.check(); err != nil {
		return LinkedPatientPage{}, err
	}
	if limit <= 0 || limit > 100 {
		limit = PatientPageSize
	}
	var page LinkedPatientPage
	err := db.View(func(tx *Tx) error {
		page = LinkedPatientPage{}
		prefix := append(indexKey(a.FacilityOID), 0)
		start := prefix
		if cur, err := base64.RawURLEncoding.DecodeString(after); err == nil && len(cur) > 0 {
			start = append(append([]byte{}, prefix...), cur...)
			start = append(start, 0) // strictly after
		}
		links := tx.bucket(bucketPatientLinks)
		facNames := map[string]string{}
		c := tx.bucket(bucketPatientLinksByFa).Cursor()
		for k, v := c.Seek(start); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			id := string(k[len(prefix):])
			if len(page.Patients) == limit {
				page.Next = base64.RawURLEncoding.EncodeToString([]byte(page.Patients[len(page.Patients)-1].Patient.ID))
				break
			}
			p, found, err := patientTx(tx, id)
			if err != nil {
				return err
			}
			var l PatientLink
			if _, err := getJSON(links, indexKey(id, string(v)), &l); err != nil {
				return err
			}
			if !found {
				continue
			}
			name, ok := facNames[p.FacilityOID]
			if !ok {
				if f, err := facilityTx(tx, p.FacilityOID); err == nil {
					name = f.Name
				}
				facNames[p.FacilityOID] = name
			}
			page.Patients = append(page.Patients, LinkedPatient{Patient: p.redactedForLink(), HomeFacility: name, Link: l})
		}
		return nil
	})
	return page, err
}
