package store

import (
	"encoding/json"
	"hotline/store/jptext"
	"strings"
	"time"
)

var bucketInquiries = []byte("inquiries")

// InquiryStatus is where the operator is with an inquiry.
type InquiryStatus string

const (
	InquiryOpen       InquiryStatus = "open"        // 未対応
	InquiryInProgress InquiryStatus = "in_progress" // 対応中
	InquiryDone       InquiryStatus = "done"        // 完了
)

// Label is the status as the operator sees it.
func (s InquiryStatus) Label() string {
	switch s {
	case InquiryOpen:
		return "未対応"
	case InquiryInProgress:
		return "対応中"
	case InquiryDone:
		return "完了"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s InquiryStatus) Valid() bool {
	return s == InquiryOpen || s == InquiryInProgress || s == InquiryDone
}

// Inquiry is a message sent through the public 問合せフォーム.
type Inquiry struct {
	Number    string        `json:"number"` // 受付番号, e.g. Q000001
	Name      string        `json:"name"`
	Email     string        `json:"email"`
	Subject   string        `json:"subject"`
	Body      string        `json:"body"`
	Status    InquiryStatus `json:"status"`
	Notes     []Note        `json:"notes,omitempty"`
	Remote    string        `json:"remote,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

// Note is an operator's remark on an inquiry or request.
type Note struct {
	Time   time.Time `json:"time"`
	Author string    `json:"author"`
	Text   string    `json:"text"`
}

// InquirySpec is the public 問合せフォーム, in screen order.
var InquirySpec = Fields{
	{Name: "name", Label: "お名前", Max: 100, Required: true},
	{Name: "email", Label: "メールアドレス", Max: 254, Required: true},
	{Name: "subject", Label: "件名", Max: 200, Required: true},
	{Name: "body", Label: "お問合せ内容", Max: 5000, Required: true, Multiline: true},
}

// InquiryFormFrom reads the form's values (by InquirySpec's names).
func InquiryFormFrom(v map[string]string) InquiryForm {
	return InquiryForm{Name: v["name"], Email: v["email"], Subject: v["subject"], Body: v["body"]}
}

// InquiryForm is what the public form posts.
type InquiryForm struct {
	Name    string
	Email   string
	Subject string
	Body    string
}

// Validate trims and checks the form.
func (f *InquiryForm) Validate() error {
	fe := FieldErrors{}
	f.Name = strings.TrimSpace(f.Name)
	f.Subject = strings.TrimSpace(f.Subject)
	f.Body = strings.TrimSpace(f.Body)
	InquirySpec.Check(fe, "name", f.Name)
	if e, err := jptext.NormalizeEmail(f.Email); err != nil {
		fe.Add("email", err.Error())
	} else if e == "" {
		fe.Add("email", "メールアドレスを入力してください")
	} else {
		f.Email = e
	}
	InquirySpec.Check(fe, "subject", f.Subject)
	InquirySpec.Check(fe, "body", f.Body)
	return fe.Err()
}

// CreateInquiry stores a validated inquiry and returns it with its number.
func (db *DB) CreateInquiry(f InquiryForm, remote string) (Inquiry, error) {
	if err := f.Validate(); err != nil {
		return Inquiry{}, err
	}
	var q Inquiry
	err := db.Batch(func(tx *Tx) error {
		b := tx.bucket(bucketInquiries)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		q = Inquiry{Number: sequenceID("Q", seq), Name: f.Name, Email: f.Email, Subject: f.Subject,
			Body: f.Body, Status: InquiryOpen, Remote: remote, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if err := putJSON(b, []byte(q.Number), q); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: "anonymous", Action: AuditInquiryCreate, Object: "inquiry:" + q.Number, Remote: remote})
	})
	return q, err
}

// Inquiry finds one inquiry by number.
func (db *DB) Inquiry(number string) (Inquiry, error) {
	var q Inquiry
	err := db.View(func(tx *Tx) error {
		found, err := getJSON(tx.bucket(bucketInquiries), []byte(number), &q)
		if err == nil && !found {
			return NotFound()
		}
		return err
	})
	return q, err
}

// Inquiries lists inquiries newest first, optionally by status.
func (db *DB) Inquiries(status InquiryStatus) ([]Inquiry, error) {
	var out []Inquiry
	err := db.View(func(tx *Tx) error {
		c := tx.bucket(bucketInquiries).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var q Inquiry
			if err := json.Unmarshal(v, &q); err != nil {
				return Errorf(EINTERNAL, "inquiry %s: %v", k, err)
			}
			if status == "" || q.Status == status {
				out = append(out, q)
			}
		}
		return nil
	})
	return out, err
}

// CountInquiries counts inquiries per status.
func (db *DB) CountInquiries() (map[InquiryStatus]int, error) {
	all, err := db.Inquiries("")
	counts := map[InquiryStatus]int{}
	for _, q := range all {
		counts[q.Status]++
	}
	return counts, err
}

// InquiryUpdateSpec is the operator's 対応状況の更新 of an inquiry.
var InquiryUpdateSpec = Fields{
	{Name: "status", Label: "状態", Required: true},
	{Name: "note", Label: "メモ", Max: 2000, Multiline: true},
}

// UpdateInquiry sets the status and adds an optional note.
func (db *DB) UpdateInquiry(number string, status InquiryStatus, note, actor, remote string) error {
	note = strings.TrimSpace(note)
	fe := FieldErrors{}
	if !status.Valid() {
		InquiryUpdateSpec.Unchosen(fe, "status")
		return fe.Err()
	}
	InquiryUpdateSpec.Check(fe, "note", note)
	if err := fe.Err(); err != nil {
		return err
	}
	return db.Update(func(tx *Tx) error {
		b := tx.bucket(bucketInquiries)
		var q Inquiry
		found, err := getJSON(b, []byte(number), &q)
		if err != nil {
			return err
		}
		if !found {
			return NotFound()
		}
		q.Status = status
		if note != "" {
			q.Notes = append(q.Notes, Note{Time: tx.Now, Author: actor, Text: note})
		}
		q.UpdatedAt = tx.Now
		if err := putJSON(b, []byte(number), q); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditInquiryUpdate, Object: "inquiry:" + number, Remote: remote, Detail: string(status)})
	})
}
