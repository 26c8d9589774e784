package store

import (
	"encoding/json"
	"strings"
	"time"
)

var (
	bucketRequests         = []byte("requests")
	bucketRequestsByMember = []byte("requests_by_member")
)

// RequestKind is what a member asks for on the 申請フォーム.
type RequestKind string

const (
	RequestCertReissue RequestKind = "cert_reissue" // 証明書の再発行（別のPC・紛失・期限切れ）
	RequestInfoChange  RequestKind = "info_change"  // 登録情報の変更
	RequestWithdrawal  RequestKind = "withdrawal"   // 退会
	RequestOther       RequestKind = "other"        // その他
)

// RequestKinds in the order the form lists them.
var RequestKinds = []RequestKind{RequestCertReissue, RequestInfoChange, RequestWithdrawal, RequestOther}

// Label is the kind in Japanese.
func (k RequestKind) Label() string {
	switch k {
	case RequestCertReissue:
		return "証明書の再発行"
	case RequestInfoChange:
		return "登録情報の変更"
	case RequestWithdrawal:
		return "退会"
	case RequestOther:
		return "その他"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k RequestKind) Valid() bool {
	for _, v := range RequestKinds {
		if k == v {
			return true
		}
	}
	return false
}

// RequestStatus is where a request stands.
type RequestStatus string

const (
	RequestOpen     RequestStatus = "open"     // 受付中
	RequestApproved RequestStatus = "approved" // 承認
	RequestRejected RequestStatus = "rejected" // 却下
)

// Label is the status in Japanese.
func (s RequestStatus) Label() string {
	switch s {
	case RequestOpen:
		return "受付中"
	case RequestApproved:
		return "承認"
	case RequestRejected:
		return "却下"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s RequestStatus) Valid() bool {
	return s == RequestOpen || s == RequestApproved || s == RequestRejected
}

// Request is one 申請 of a member to the operator.
type Request struct {
	ID        string        `json:"id"` // R000001
	MemberID  string        `json:"member_id"`
	Kind      RequestKind   `json:"kind"`
	Body      string        `json:"body"`
	Status    RequestStatus `json:"status"`
	CreatedAt time.Time     `json:"created_at"`
	Remote    string        `json:"remote,omitempty"`
	// The operator's decision; Answer is shown to the member.
	DecidedAt time.Time `json:"decided_at,omitempty"`
	DecidedBy string    `json:"decided_by,omitempty"`
	Answer    string    `json:"answer,omitempty"`
}

// Open reports whether the request still waits for the operator.
func (r Request) Open() bool { return r.Status == RequestOpen }

// RequestSpec is the 申請フォーム, in screen order.
var RequestSpec = Fields{
	{Name: "kind", Label: "申請の種類", Required: true},
	{Name: "body", Label: "申請内容", Max: 2000, Required: true, Multiline: true},
}

// RequestForm is what the member posts.
type RequestForm struct {
	Kind RequestKind
	Body string
}

// Validate trims and checks the form.
func (f *RequestForm) Validate() error {
	fe := FieldErrors{}
	f.Kind = RequestKind(strings.TrimSpace(string(f.Kind)))
	f.Body = strings.TrimSpace(f.Body)
	if !f.Kind.Valid() {
		fe.Add("kind", "申請の種類を選択してください")
	}
	RequestSpec.Check(fe, "body", f.Body)
	return fe.Err()
}

// CreateRequest files a request for the member. One open request of the
// same kind at a time for reissues and withdrawals (409 otherwise).
func (db *DB) CreateRequest(memberID string, f RequestForm, remote string) (Request, error) {
	if err := f.Validate(); err != nil {
		return Request{}, err
	}
	var r Request
	err := db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, memberID)
		if err != nil {
			return err
		}
		if !m.Active() {
			return Errorf(EFORBIDDEN, "このアカウントは現在利用できません")
		}
		if f.Kind == RequestCertReissue || f.Kind == RequestWithdrawal {
			for _, old := range memberRequestsTx(tx, memberID) {
				if old.Open() && old.Kind == f.Kind {
					return Errorf(ECONFLICT, "「%s」の申請はすでに受付中です（受付番号 %s）。運営者の対応をお待ちください。", f.Kind.Label(), old.ID)
				}
			}
		}
		b := tx.bucket(bucketRequests)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r = Request{ID: sequenceID("R", seq), MemberID: memberID, Kind: f.Kind, Body: f.Body,
			Status: RequestOpen, CreatedAt: tx.Now, Remote: remote}
		if err := putRequestTx(tx, r); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: memberID, Action: AuditRequestCreate, Object: "request:" + r.ID, Remote: remote, Detail: string(f.Kind)})
	})
	return r, err
}

func putRequestTx(tx *Tx, r Request) error {
	if err := putJSON(tx.bucket(bucketRequests), []byte(r.ID), r); err != nil {
		return err
	}
	return tx.bucket(bucketRequestsByMember).Put(indexKey(r.MemberID, r.ID), nil)
}

func requestTx(tx *Tx, id string) (Request, error) {
	var r Request
	found, err := getJSON(tx.bucket(bucketRequests), []byte(id), &r)
	if err == nil && !found {
		err = NotFound()
	}
	return r, err
}

// memberRequestsTx lists a member's requests, newest first.
func memberRequestsTx(tx *Tx, memberID string) []Request {
	var out []Request
	prefix := append(indexKey(memberID), 0)
	c := tx.bucket(bucketRequestsByMember).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		if r, err := requestTx(tx, string(k[len(prefix):])); err == nil {
			out = append([]Request{r}, out...)
		}
	}
	return out
}

// Request finds a request by ID.
func (db *DB) Request(id string) (Request, error) {
	var r Request
	err := db.View(func(tx *Tx) error {
		var err error
		r, err = requestTx(tx, id)
		return err
	})
	return r, err
}

// MemberRequests lists a member's own requests, newest first.
func (db *DB) MemberRequests(memberID string) ([]Request, error) {
	var out []Request
	err := db.View(func(tx *Tx) error {
		out = memberRequestsTx(tx, memberID)
		return nil
	})
	return out, err
}

// Requests lists requests newest first, optionally by status.
func (db *DB) Requests(status RequestStatus) ([]Request, error) {
	var out []Request
	err := db.View(func(tx *Tx) error {
		c := tx.bucket(bucketRequests).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r Request
			if err := json.Unmarshal(v, &r); err != nil {
				return Errorf(EINTERNAL, "request %s: %v", k, err)
			}
			if status == "" || r.Status == status {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// CountRequests counts requests per status.
func (db *DB) CountRequests() (map[RequestStatus]int, error) {
	all, err := db.Requests("")
	counts := map[RequestStatus]int{}
	for _, r := range all {
		counts[r.Status]++
	}
	return counts, err
}

// DecisionSpec is the operator's 承認・却下 form; the answer is required
// when rejecting.
var DecisionSpec = Fields{
	{Name: "answer", Label: "回答", Max: 2000, Multiline: true},
}

// Decision is the operator's answer to a request.
type Decision struct {
	Approve bool
	// Answer is shown to the member; required when rejecting.
	Answer string
}

// Validate checks the answer.
func (d *Decision) Validate() error {
	fe := FieldErrors{}
	d.Answer = strings.TrimSpace(d.Answer)
	DecisionSpec.Check(fe, "answer", d.Answer)
	if !d.Approve && d.Answer == "" {
		fe["answer"] = "却下する理由を回答に入力してください"
	}
	return fe.Err()
}

// DecideRequest approves or rejects an open request (409 when already
// decided). Approving a certificate reissue grants it, approving a
// withdrawal withdraws the member: both in the same transaction.
func (db *DB) DecideRequest(id string, d Decision, operator, remote string) (Request, error) {
	if err := d.Validate(); err != nil {
		return Request{}, err
	}
	var r Request
	var endedSessionsOf string
	err := db.Update(func(tx *Tx) error {
		endedSessionsOf = ""
		var err error
		r, err = requestTx(tx, id)
		if err != nil {
			return err
		}
		if !r.Open() {
			return Errorf(ECONFLICT, "この申請はすでに処理されています（%s、%s）", r.Status.Label(), r.DecidedBy)
		}
		r.DecidedAt, r.DecidedBy, r.Answer = tx.Now, operator, d.Answer
		action := AuditRequestReject
		r.Status = RequestRejected
		if d.Approve {
			action = AuditRequestApprove
			r.Status = RequestApproved
			switch r.Kind {
			case RequestCertReissue:
				m, err := memberTx(tx, r.MemberID)
				if err != nil {
					return err
				}
				if m.Status == MemberWithdrawn {
					return Errorf(ECONFLICT, "退会済みの会員には証明書を再発行できません")
				}
				if err := grantReissueTx(tx, r.MemberID, operator, remote); err != nil {
					return err
				}
			case RequestWithdrawal:
				if err := withdrawMemberTx(tx, r.MemberID, operator, remote, "request:"+r.ID); err != nil {
					return err
				}
				endedSessionsOf = r.MemberID
			}
		}
		if err := putRequestTx(tx, r); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: operator, Action: action, Object: "request:" + r.ID, Remote: remote,
			Detail: string(r.Kind) + " " + r.MemberID})
	})
	if err == nil && endedSessionsOf != "" {
		db.sessions.evictMember(endedSessionsOf, "")
	}
	return r, err
}
