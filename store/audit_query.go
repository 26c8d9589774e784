package store

import (
	"encoding/json"
	"hotline/store/jptext"
	"strings"
	"time"
)

// AuditQuery is the operator's search form for the audit log (監査ログ),
// as typed: dates are calendar days in Japan time, both inclusive, in
// YYYY-MM-DD or 和暦.
type AuditQuery struct {
	Actor   string // 操作者: ほっとラインID, operator name, "anonymous", "system", "patient:<id>"
	Patient string // 患者ID
	Action  string // 操作 (prefix, e.g. "login" or "patient.")
	From    string // 期間（から）
	To      string // 期間（まで）
}

// AuditQuerySpec is the search form, in screen order (the dates are
// checked as dates).
var AuditQuerySpec = Fields{
	{Name: "actor", Label: "操作者", Max: 100},
	{Name: "patient", Label: "患者ID", Max: 100},
	{Name: "action", Label: "操作", Max: 100},
	{Name: "from", Label: "期間（から）"},
	{Name: "to", Label: "期間（まで）"},
}

// AuditQueryFrom reads the form's values (by AuditQuerySpec's names).
func AuditQueryFrom(v map[string]string) AuditQuery {
	return AuditQuery{Actor: v["actor"], Patient: v["patient"], Action: v["action"], From: v["from"], To: v["to"]}
}

// Values is the form as field name → value (to show it again).
func (q AuditQuery) Values() map[string]string {
	return map[string]string{"actor": q.Actor, "patient": q.Patient, "action": q.Action, "from": q.From, "to": q.To}
}

// Filter validates the form and turns it into an AuditFilter.
func (q *AuditQuery) Filter() (AuditFilter, error) {
	fe := FieldErrors{}
	q.Actor = strings.TrimSpace(q.Actor)
	q.Patient = strings.TrimSpace(q.Patient)
	q.Action = strings.TrimSpace(q.Action)
	AuditQuerySpec.Check(fe, "actor", q.Actor)
	AuditQuerySpec.Check(fe, "patient", q.Patient)
	AuditQuerySpec.Check(fe, "action", q.Action)
	var f AuditFilter
	if _, bad := fe["actor"]; !bad && q.Actor != "" {
		f.Actor = NormalizeAccountID(q.Actor)
		if strings.HasPrefix(strings.ToLower(q.Actor), "patient:") {
			f.Actor = "patient:" + q.Actor[len("patient:"):]
		}
	}
	f.Patient = q.Patient
	f.Action = q.Action
	day := func(field, label, s string) time.Time {
		d, err := jptext.ParseDate(s)
		if err != nil {
			fe.Add(field, label+": "+err.Error())
			return time.Time{}
		}
		if d.IsZero() {
			return d
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Tokyo)
	}
	from := day("from", "開始日", q.From)
	to := day("to", "終了日", q.To)
	if !from.IsZero() {
		f.From = from.UTC()
	}
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1).UTC()
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		fe.Add("to", "終了日は開始日以降の日付を入力してください")
	}
	if err := fe.Err(); err != nil {
		return AuditFilter{}, err
	}
	return f, nil
}

// Describe is the filter in words, for the audit record of an export.
func (q AuditQuery) Describe() string {
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+"="+v)
		}
	}
	add("actor", q.Actor)
	add("patient", q.Patient)
	add("action", q.Action)
	add("from", q.From)
	add("to", q.To)
	if len(parts) == 0 {
		return "all"
	}
	return strings.Join(parts, " ")
}

// AuditResultLabel is an audit result in Japanese.
func AuditResultLabel(result string) string {
	switch result {
	case ResultOK:
		return "成功"
	case ResultDenied:
		return "拒否"
	case ResultFailed:
		return "失敗"
	}
	return result
}

// Chunk sizes of StreamAudit: events handed over, and events looked at, per
// read transaction.
const (
	streamAuditChunk = 500
	streamAuditScan  = 5000
)

// StreamAudit calls fn for every event matching f, oldest first, like
// EachAudit, but reads in short transactions and calls fn between them: a
// slow consumer (a download) never holds a read transaction open, which
// would hold up writes that need the file to grow. It ends at the event
// that was newest when it began.
func (db *DB) StreamAudit(f AuditFilter, fn func(e AuditEvent) error) error {
	var head uint64
	if err := db.View(func(tx *Tx) error {
		head = tx.bucket(bucketAudit).Sequence()
		return nil
	}); err != nil {
		return err
	}
	for after := uint64(0); after < head; {
		var chunk []AuditEvent
		err := db.View(func(tx *Tx) error {
			chunk = chunk[:0]
			c := tx.bucket(bucketAudit).Cursor()
			k, v := c.Seek(itob(after + 1))
			for scanned := 0; k != nil && scanned < streamAuditScan && len(chunk) < streamAuditChunk; k, v = c.Next() {
				seq := btoi(k)
				if seq > head {
					break
				}
				after = seq
				scanned++
				var e AuditEvent
				if err := json.Unmarshal(v, &e); err != nil {
					return Errorf(EINTERNAL, "audit %d: %v", seq, err)
				}
				if f.match(e) {
					chunk = append(chunk, e)
				}
			}
			if k == nil || btoi(k) > head {
				after = head
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range chunk {
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}
