package store

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

var (
	bucketReferrals     = []byte("referrals")
	bucketReferralIndex = []byte("referral_index")
)

// referrals holds the letters by their 8-byte sequence (the ID is L and
// the sequence), so new letters are appended to the last pages.
// referral_index holds what the lists read, keyed by parts joined with
// indexKey's 0x00 and ending in the sequence:
//
//	i  oid seq             → row   a facility's inbox, newest last
//	is oid status seq      →       the inbox by status
//	ip oid patient seq     →       the inbox by patient
//	o  oid seq             → row   a facility's sent letters
//	os oid status seq      →
//	op oid patient seq     →
//	d  member seq          → row   a member's drafts
//	u  oid                 → count the facility's unread letters (8 bytes)
//
// A row (ReferralRow) is all a list shows, so a page of a big inbox reads
// twenty small values and never a letter.

func rxPrefix(parts ...string) []byte { return append(indexKey(parts...), 0) }
func rxKey(seq uint64, parts ...string) []byte {
	return append(rxPrefix(parts...), itob(seq)...)
}
func rxUnread(oid string) []byte { return indexKey("u", oid) }

// ReferralActor is who acts in 地域連携: a member of a facility and their
// client address (for the audit log).
type ReferralActor struct {
	MemberID    string
	FacilityOID string
	Remote      string
}

func (a ReferralActor) check() error {
	if a.MemberID == "" || a.FacilityOID == "" {
		return Errorf(EFORBIDDEN, "地域連携は医療機関・薬局に所属する会員が利用できます")
	}
	return nil
}

func (a ReferralActor) audit(action AuditAction, r Referral, detail string) AuditEvent {
	return AuditEvent{Actor: a.MemberID, Action: action, Object: "referral:" + r.ID, Patient: r.Patient.ID, Remote: a.Remote, Detail: detail}
}

// ReferralSide is how the actor stands to a letter.
type ReferralSide int

const (
	SideNone     ReferralSide = iota
	SideSender                // the sender's facility (or the draft's author)
	SideReceiver              // the receiving facility, or the member it was addressed to
)

// referralSeq is the sequence of a letter ID (false when it is not one).
func referralSeq(id string) (uint64, bool) {
	if NormalizeReferralID(id) != id || id == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	return n, err == nil && n > 0
}

func referralTx(tx *Tx, id string) (Referral, bool, error) {
	seq, ok := referralSeq(id)
	if !ok {
		return Referral{}, false, nil
	}
	var r Referral
	found, err := getJSON(tx.bucket(bucketReferrals), itob(seq), &r)
	return r, found, err
}

// sideOf says how a stands to r: a draft is its author's alone; a sent
// letter belongs to the sender's facility and the receiving one (and the
// member it was addressed to, wherever they are now).
func sideOf(a ReferralActor, r Referral) ReferralSide {
	if !r.Sent() {
		if r.From.MemberID == a.MemberID {
			return SideSender
		}
		return SideNone
	}
	switch {
	case r.From.FacilityOID == a.FacilityOID:
		return SideSender
	case r.To.FacilityOID == a.FacilityOID, r.To.MemberID != "" && r.To.MemberID == a.MemberID:
		return SideReceiver
	}
	return SideNone
}

// referralAccessTx finds a letter the actor may see; anything else is not
// found, whether or not it exists.
func referralAccessTx(tx *Tx, a ReferralActor, id string) (Referral, ReferralSide, error) {
	r, found, err := referralTx(tx, id)
	if err != nil {
		return r, SideNone, err
	}
	if !found {
		return Referral{}, SideNone, NotFound()
	}
	side := sideOf(a, r)
	if side == SideNone {
		return Referral{}, SideNone, NotFound()
	}
	return r, side, nil
}

// ReferralRow is a letter as the lists show it.
type ReferralRow struct {
	ID           string         `json:"id"`
	Seq          uint64         `json:"seq"`
	Status       ReferralStatus `json:"status"`
	PatientID    string         `json:"patient_id"`
	PatientName  string         `json:"patient_name"`
	FromFacility string         `json:"from_facility"`
	FromMember   string         `json:"from_member"`
	ToFacility   string         `json:"to_facility,omitempty"`
	ToMember     string         `json:"to_member,omitempty"`
	Diagnosis    string         `json:"diagnosis,omitempty"` // its first line, clipped
	Date         time.Time      `json:"date"`
	ReadAt       time.Time      `json:"read_at,omitzero"`
	RepliedAt    time.Time      `json:"replied_at,omitzero"`
	Corrects     string         `json:"corrects,omitempty"`
	CorrectedBy  string         `json:"corrected_by,omitempty"`
}

func rowOf(r Referral) ReferralRow {
	diag, _, _ := strings.Cut(r.Diagnosis, "\n")
	row := ReferralRow{ID: r.ID, Seq: r.Seq, Status: r.Status, PatientID: r.Patient.ID, PatientName: r.Patient.Name,
		FromFacility: r.From.FacilityName, FromMember: r.From.MemberName, ToFacility: r.To.FacilityName, ToMember: r.To.MemberName,
		Diagnosis: clipRunes(diag, 40), Date: r.Date(), ReadAt: r.ReadAt, Corrects: r.Corrects, CorrectedBy: r.CorrectedBy}
	if r.Reply != nil {
		row.RepliedAt = r.Reply.RepliedAt
	}
	return row
}

func encodeReferralRow(row ReferralRow) []byte {
	w := newRowWriter(64 + len(row.PatientName) + len(row.FromFacility) + len(row.FromMember) + len(row.ToFacility) + len(row.ToMember) + len(row.Diagnosis))
	w.str(row.ID)
	w.uint(row.Seq)
	w.str(string(row.Status))
	w.str(row.PatientID)
	w.str(row.PatientName)
	w.str(row.FromFacility)
	w.str(row.FromMember)
	w.str(row.ToFacility)
	w.str(row.ToMember)
	w.str(row.Diagnosis)
	w.time(row.Date)
	w.time(row.ReadAt)
	w.time(row.RepliedAt)
	w.str(row.Corrects)
	w.str(row.CorrectedBy)
	return w.b
}

// decodeReferralRow reads a row in either form (binary, or the JSON of
// files written before it).
func decodeReferralRow(v []byte) (ReferralRow, error) {
	var row ReferralRow
	r, ok := binaryRow(v)
	if !ok {
		err := json.Unmarshal(v, &row)
		return row, err
	}
	row.ID = r.str()
	row.Seq = r.uint()
	row.Status = ReferralStatus(r.str())
	row.PatientID = r.str()
	row.PatientName = r.str()
	row.FromFacility = r.str()
	row.FromMember = r.str()
	row.ToFacility = r.str()
	row.ToMember = r.str()
	row.Diagnosis = r.str()
	row.Date = r.time()
	row.ReadAt = r.time()
	row.RepliedAt = r.time()
	row.Corrects = r.str()
	row.CorrectedBy = r.str()
	return row, r.done()
}

// referralIndexKeys are the index entries of r: key → whether it holds the
// row (else it is empty).
func referralIndexKeys(r Referral) map[string]bool {
	keys := map[string]bool{}
	if !r.Sent() {
		keys[string(rxKey(r.Seq, "d", r.From.MemberID))] = true
		return keys
	}
	for _, side := range []struct{ box, oid string }{{"i", r.To.FacilityOID}, {"o", r.From.FacilityOID}} {
		keys[string(rxKey(r.Seq, side.box, side.oid))] = true
		keys[string(rxKey(r.Seq, side.box+"s", side.oid, string(r.Status)))] = false
		keys[string(rxKey(r.Seq, side.box+"p", side.oid, r.Patient.ID))] = false
	}
	return keys
}

// putReferralTx stores r and brings its index entries from old's (nil: a
// new letter) to r's.
func putReferralTx(tx *Tx, old *Referral, r Referral) error {
	r.UpdatedAt = tx.Now
	b := tx.bucket(bucketReferrals)
	b.FillPercent = appendFill
	if err := putJSON(b, itob(r.Seq), r); err != nil {
		return err
	}
	ix := tx.bucket(bucketReferralIndex)
	cur := referralIndexKeys(r)
	if old != nil {
		for k := range referralIndexKeys(*old) {
			if _, keep := cur[k]; !keep {
				if err := ix.Delete([]byte(k)); err != nil {
					return err
				}
			}
		}
	}
	for k, holdsRow := range cur {
		if !holdsRow {
			if err := ix.Put([]byte(k), nil); err != nil {
				return err
			}
			continue
		}
		if err := ix.Put([]byte(k), encodeReferralRow(rowOf(r))); err != nil {
			return err
		}
	}
	return nil
}

// addUnreadTx changes the facility's unread count.
func addUnreadTx(tx *Tx, oid string, delta int64) error {
	b := tx.bucket(bucketReferralIndex)
	var n int64
	if v := b.Get(rxUnread(oid)); len(v) == 8 {
		n = int64(btoi(v))
	}
	n += delta
	if n < 0 {
		n = 0
	}
	return b.Put(rxUnread(oid), itob(uint64(n)))
}

// setReferralStatus moves r to status s, keeping the receiver's unread
// count (letters in 未読) in step.
func setReferralStatus(tx *Tx, r *Referral, s ReferralStatus) error {
	if r.Status == ReferralUnread && s != ReferralUnread {
		if err := addUnreadTx(tx, r.To.FacilityOID, -1); err != nil {
			return err
		}
	}
	if r.Status != ReferralUnread && s == ReferralUnread {
		if err := addUnreadTx(tx, r.To.FacilityOID, 1); err != nil {
			return err
		}
	}
	r.Status = s
	return nil
}

// UnreadReferrals is the number of 未読 letters of the facility: one read.
func (db *DB) UnreadReferrals(oid string) (int, error) {
	n := 0
	err := db.View(func(tx *Tx) error {
		if v := tx.bucket(bucketReferralIndex).Get(rxUnread(oid)); len(v) == 8 {
			n = int(btoi(v))
		}
		return nil
	})
	return n, err
}

// partyOfMember is a member and their facility as a letter names them.
func partyOfMember(m Member, f Facility) ReferralParty {
	p := ReferralParty{MemberID: m.ID, MemberName: m.Name, FacilityOID: f.OID, FacilityName: f.Name, Postal: f.Postal,
		Address: f.Address, Phone: f.Phone, Code: f.Code, Department: m.Department}
	if m.Qualification != "" {
		p.Qualification = m.Qualification.Label()
	}
	return p
}

// receiverTx resolves the form's 紹介先 (empty party when none given).
func receiverTx(tx *Tx, f ReferralForm, fe FieldErrors) ReferralParty {
	var to ReferralParty
	if f.ToMember != "" {
		m, err := memberTx(tx, f.ToMember)
		if err != nil || !m.Active() || m.IsOperator() || m.FacilityOID == "" {
			fe.Add("to_member", "このほっとラインIDの会員は見つかりません")
			return to
		}
		fac, err := facilityTx(tx, m.FacilityOID)
		if err != nil || !fac.Active {
			fe.Add("to_member", "この会員の所属施設には現在送れません")
			return to
		}
		if f.ToFacility != "" && f.ToFacility != fac.OID {
			fe.Add("to_facility", "紹介先の会員の所属施設（"+fac.OID+"）と異なります。会員か施設のどちらかを指定してください")
			return to
		}
		to = partyOfMember(m, fac)
		to.Department = m.Department
	} else if f.ToFacility != "" {
		fac, err := facilityTx(tx, f.ToFacility)
		if err != nil || !fac.Active {
			fe.Add("to_facility", "このOIDの施設は見つかりません")
			return to
		}
		to = ReferralParty{FacilityOID: fac.OID, FacilityName: fac.Name, Postal: fac.Postal, Address: fac.Address, Phone: fac.Phone, Code: fac.Code}
	}
	if f.ToDepartment != "" {
		to.Department = f.ToDepartment
	}
	to.Doctor = f.ToDoctor
	return to
}

// SaveReferral saves the compose form: a new letter (id "") or the actor's
// draft id, with the uploaded files. send turns it into a letter: the
// patient must be linked by consent to the receiving facility (else a
// ConsentMissingError, 409, and nothing is stored), and the letter is
// committed before this returns. Without send it stays a draft.
func (db *DB) SaveReferral(a ReferralActor, id string, f ReferralForm, uploads []Upload, send bool) (Referral, error) {
	if err := a.check(); err != nil {
		return Referral{}, err
	}
	var out Referral
	err := db.Update(func(tx *Tx) error {
		var r Referral
		var old *Referral
		if id != "" {
			cur, _, err := referralAccessTx(tx, a, id)
			if err != nil {
				return err
			}
			if cur.Sent() {
				return Errorf(ECONFLICT, "送信済みの紹介状は変更できません。内容を訂正するときは、紹介状のページの「訂正する」から訂正の紹介状を送ってください")
			}
			r, old = cur, &cur
		}
		if err := f.validate(send); err != nil {
			return err
		}
		fe := FieldErrors{}
		p, home, err := patientAccessTx(tx, PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID}, f.PatientID)
		if err != nil {
			return err
		}
		if !home {
			// A linked facility writes with what it may see of the patient.
			p = p.redactedForLink()
		}
		me, err := memberTx(tx, a.MemberID)
		if err != nil {
			return err
		}
		myFac, err := facilityTx(tx, a.FacilityOID)
		if err != nil {
			return err
		}
		to := receiverTx(tx, f, fe)
		if to.FacilityOID == a.FacilityOID {
			fe.Add("to_member", "自施設あてには送れません。他の施設の会員または施設を選んでください")
		}
		var corrected Referral
		if f.Corrects != "" {
			c, side, err := referralAccessTx(tx, a, f.Corrects)
			switch {
			case err != nil && ErrorCode(err) != ENOTFOUND:
				return err
			case err != nil || side != SideSender || !c.Sent():
				fe.Add("corrects", "訂正できる紹介状が見つかりません（自施設から送った紹介状だけを訂正できます）")
			case c.Patient.ID != p.ID:
				fe.Add("patient_id", "訂正の紹介状は、訂正する紹介状と同じ患者様について書いてください")
			default:
				corrected = c
			}
		}
		var carried []string
		if old == nil {
			carried = corrected.RecordIDs()
		}
		records := referralRecordsTx(tx, a, p.ID, f.Records, carried, fe)
		if err := fe.Err(); err != nil {
			return err
		}
		if send && p.FacilityOID != to.FacilityOID && tx.bucket(bucketPatientLinksByFa).Get(indexKey(to.FacilityOID, p.ID)) == nil {
			return &ConsentMissingError{PatientID: p.ID, FacilityOID: to.FacilityOID, err: Errorf(ECONFLICT,
				"この患者様は紹介先の施設（%s %s）と連携されていません。紹介状を送るには、患者様の同意を得て、患者様登録ソフトで紹介先の施設と連携してください。紹介状は送信されていません。", to.FacilityName, to.FacilityOID)}
		}
		if old == nil {
			seq, err := tx.bucket(bucketReferrals).NextSequence()
			if err != nil {
				return err
			}
			r = Referral{ID: sequenceID("L", seq), Seq: seq, Status: ReferralDraft, CreatedAt: tx.Now}
			if corrected.ID != "" {
				// The correction keeps the corrected letter's files (and
				// its records, above).
				for _, att := range corrected.Attachments {
					c, err := tx.CarryOverAttachment(corrected.attachmentOwner(), att.ID, r.attachmentOwner())
					if err != nil {
						return err
					}
					r.Attachments = append(r.Attachments, c)
				}
			}
		}
		r.From = partyOfMember(me, myFac)
		r.To = to
		r.Patient = ReferralPatient{ID: p.ID, Name: p.Name, NameKana: p.NameKana, Sex: p.Sex, BirthDate: p.BirthDate,
			Postal: p.Postal, Address: p.Address, Phone: p.Phone, Occupation: f.Occupation}
		r.Diagnosis, r.Purpose, r.History, r.Course = f.Diagnosis, f.Purpose, f.History, f.Course
		r.Treatment, r.Medication, r.Remarks, r.Corrects = f.Treatment, f.Medication, f.Remarks, corrected.ID
		r.Records = records
		for _, u := range uploads {
			att, err := tx.PutAttachment(r.attachmentOwner(), u)
			if err != nil {
				return err
			}
			r.Attachments = append(r.Attachments, att)
		}
		action := AuditReferralDraft
		if send {
			action = AuditReferralSend
			r.SentAt = tx.Now
			if err := setReferralStatus(tx, &r, ReferralUnread); err != nil {
				return err
			}
			// Sending discloses the attached records to the receiver.
			if err := discloseReferralRecordsTx(tx, a, r); err != nil {
				return err
			}
			if corrected.ID != "" {
				prev := corrected
				corrected.CorrectedBy = r.ID
				if err := putReferralTx(tx, &prev, corrected); err != nil {
					return err
				}
			}
		}
		if err := putReferralTx(tx, old, r); err != nil {
			return err
		}
		out = r
		detail := "to " + r.To.FacilityOID
		if r.To.MemberID != "" {
			detail += " " + r.To.MemberID
		}
		if r.Corrects != "" {
			detail += " corrects " + r.Corrects
		}
		if len(r.Records) > 0 {
			detail += " records " + strings.Join(r.RecordIDs(), ",")
		}
		return AppendAudit(tx, a.audit(action, r, detail))
	})
	return out, err
}

// DeleteReferralDraft deletes the actor's draft (a draft is not yet
// correspondence; its files stay in the attachment store).
func (db *DB) DeleteReferralDraft(a ReferralActor, id string) error {
	if err := a.check(); err != nil {
		return err
	}
	return db.Update(func(tx *Tx) error {
		r, _, err := referralAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		if r.Sent() {
			return Errorf(ECONFLICT, "送信済みの紹介状は削除できません")
		}
		if err := tx.bucket(bucketReferrals).Delete(itob(r.Seq)); err != nil {
			return err
		}
		for k := range referralIndexKeys(r) {
			if err := tx.bucket(bucketReferralIndex).Delete([]byte(k)); err != nil {
				return err
			}
		}
		return AppendAudit(tx, a.audit(AuditReferralDraftDelete, r, ""))
	})
}

// ReferralView is a letter as its page shows it.
type ReferralView struct {
	Referral Referral
	Side     ReferralSide
	// FirstOpen: this open marked the letter 既読.
	FirstOpen bool
	// RecordOpen says, by record ID, whether the actor may open each of
	// the letter's records in DMS now.
	RecordOpen map[string]bool
}

// CheckReferral answers what OpenReferral would refuse, changing and
// recording nothing (a HEAD of the letter's page).
func (db *DB) CheckReferral(a ReferralActor, id string) error {
	if err := a.check(); err != nil {
		return err
	}
	return db.View(func(tx *Tx) error {
		_, _, err := referralAccessTx(tx, a, id)
		return err
	})
}

// OpenReferral reads a letter for its page. The receiver's first open
// marks it 既読 with the time; every open is audited, durably, before the
// page is answered. A letter the actor may not see is not found (and the
// attempt audited as denied).
func (db *DB) OpenReferral(a ReferralActor, id string) (ReferralView, error) {
	if err := a.check(); err != nil {
		return ReferralView{}, err
	}
	var v ReferralView
	err := db.Update(func(tx *Tx) error {
		r, side, err := referralAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		v = ReferralView{Referral: r, Side: side}
		if side == SideReceiver && r.ReadAt.IsZero() {
			old := r
			r.ReadAt, r.ReadBy = tx.Now, a.MemberID
			if r.Status == ReferralUnread {
				if err := setReferralStatus(tx, &r, ReferralRead); err != nil {
					return err
				}
			}
			if err := putReferralTx(tx, &old, r); err != nil {
				return err
			}
			v = ReferralView{Referral: r, Side: side, FirstOpen: true}
		}
		if v.RecordOpen, err = recordsOpenTx(tx, a, r); err != nil {
			return err
		}
		detail := "sender"
		if side == SideReceiver {
			detail = "receiver"
		}
		if v.FirstOpen {
			detail += " first"
		}
		return AppendAudit(tx, a.audit(AuditReferralView, r, detail))
	})
	if err != nil && ErrorCode(err) == ENOTFOUND {
		_ = db.Audit(AuditEvent{Actor: a.MemberID, Action: AuditReferralView, Object: "referral:" + clip(id, 20), Remote: a.Remote, Result: ResultDenied})
	}
	return v, err
}

// ReferralForPrint reads a sent letter (reply: one with its 返書) for its
// PDF, without auditing: AuditReferralPrint records the printing once the
// file is made.
func (db *DB) ReferralForPrint(a ReferralActor, id string, reply bool) (Referral, error) {
	if err := a.check(); err != nil {
		return Referral{}, err
	}
	var r Referral
	err := db.View(func(tx *Tx) error {
		var err error
		if r, _, err = referralAccessTx(tx, a, id); err != nil {
			return err
		}
		if !r.Sent() {
			return Errorf(ECONFLICT, "下書きは印刷できません。送信してから印刷してください")
		}
		if reply && r.Reply == nil {
			return Errorf(ENOTFOUND, "この紹介状にはまだ返書がありません")
		}
		return nil
	})
	return r, err
}

// AuditReferralPrint records the printing of a letter or its 返書.
func (db *DB) AuditReferralPrint(a ReferralActor, r Referral, reply bool) error {
	action := AuditReferralPrint
	if reply {
		action = AuditReferralReplyPrint
	}
	return db.Audit(a.audit(action, r, ""))
}

// ReplyReferral stores the 返書 of the receiving side and marks the letter
// 返信済, committed before it returns.
func (db *DB) ReplyReferral(a ReferralActor, id string, f ReplyForm) (Referral, error) {
	if err := a.check(); err != nil {
		return Referral{}, err
	}
	var out Referral
	err := db.Update(func(tx *Tx) error {
		r, side, err := referralAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case side != SideReceiver:
			return Errorf(EFORBIDDEN, "返書は紹介先の施設から送ります")
		case r.Reply != nil:
			return Errorf(ECONFLICT, "この紹介状には返書が送られています（%s）", r.Reply.RepliedAt.In(Tokyo).Format("2006-01-02 15:04"))
		case r.Status == ReferralCompleted:
			return Errorf(ECONFLICT, "紹介元が完了にした紹介状には返書を送れません")
		}
		visited, err := f.validate(tx.Now)
		if err != nil {
			return err
		}
		me, err := memberTx(tx, a.MemberID)
		if err != nil {
			return err
		}
		fac, err := facilityTx(tx, a.FacilityOID)
		if err != nil {
			return err
		}
		old := r
		if r.ReadAt.IsZero() {
			r.ReadAt, r.ReadBy = tx.Now, a.MemberID
		}
		r.Reply = &ReferralReply{VisitedOn: visited, Findings: f.Findings, Plan: f.Plan, Body: f.Body, RepliedAt: tx.Now,
			MemberID: me.ID, MemberName: me.Name, FacilityOID: fac.OID, FacilityName: fac.Name, Address: fac.Address, Phone: fac.Phone, Code: fac.Code}
		if err := setReferralStatus(tx, &r, ReferralReplied); err != nil {
			return err
		}
		if err := putReferralTx(tx, &old, r); err != nil {
			return err
		}
		out = r
		return AppendAudit(tx, a.audit(AuditReferralReply, r, "visited "+f.VisitedOn))
	})
	return out, err
}

// CompleteReferral is the sender's 完了.
func (db *DB) CompleteReferral(a ReferralActor, id string) (Referral, error) {
	if err := a.check(); err != nil {
		return Referral{}, err
	}
	var out Referral
	err := db.Update(func(tx *Tx) error {
		r, side, err := referralAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		switch {
		case side != SideSender:
			return Errorf(EFORBIDDEN, "完了にできるのは紹介元の施設です")
		case !r.Sent():
			return Errorf(ECONFLICT, "下書きは完了にできません")
		case r.Status == ReferralCompleted:
			return Errorf(ECONFLICT, "この紹介状はすでに完了しています")
		}
		old := r
		r.CompletedAt, r.CompletedBy = tx.Now, a.MemberID
		if err := setReferralStatus(tx, &r, ReferralCompleted); err != nil {
			return err
		}
		if err := putReferralTx(tx, &old, r); err != nil {
			return err
		}
		out = r
		return AppendAudit(tx, a.audit(AuditReferralComplete, r, ""))
	})
	return out, err
}

// OpenReferralAttachment opens attachment attID of a letter the actor may
// see, audited before the file is answered.
func (db *DB) OpenReferralAttachment(a ReferralActor, id, attID string) (*AttachmentReader, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	var r Referral
	err := db.View(func(tx *Tx) error {
		var err error
		if r, _, err = referralAccessTx(tx, a, id); err != nil {
			return err
		}
		for _, att := range r.Attachments {
			if att.ID == attID {
				return nil
			}
		}
		return NotFound()
	})
	if err != nil {
		return nil, err
	}
	rd, err := db.OpenAttachment(r.attachmentOwner(), attID)
	if err != nil {
		return nil, err
	}
	if err := db.Audit(a.audit(AuditReferralAttachment, r, attID)); err != nil {
		rd.Close()
		return nil, err
	}
	return rd, nil
}

// ReferralForCompose reads the actor's draft (to edit) or a letter the
// actor's facility sent (to correct).
func (db *DB) ReferralForCompose(a ReferralActor, id string) (Referral, error) {
	if err := a.check(); err != nil {
		return Referral{}, err
	}
	var r Referral
	err := db.View(func(tx *Tx) error {
		var side ReferralSide
		var err error
		if r, side, err = referralAccessTx(tx, a, id); err != nil {
			return err
		}
		if side != SideSender {
			return Errorf(EFORBIDDEN, "紹介状を書き直せるのは紹介元の施設です")
		}
		return nil
	})
	return r, err
}

// PatientForReferral is the patient block a new letter would carry (the
// patient of the actor's facility; anything else not found).
func (db *DB) PatientForReferral(a ReferralActor, id string) (Patient, error) {
	if err := a.check(); err != nil {
		return Patient{}, err
	}
	var p Patient
	err := db.View(func(tx *Tx) error {
		var err error
		var home bool
		p, home, err = patientAccessTx(tx, PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID}, id)
		if err == nil && !home {
			p = p.redactedForLink()
		}
		return err
	})
	return p, err
}
