package store

import (
	"bytes"
	"encoding/base64"
	"hotline/store/jptext"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PatientPageSize is how many patients a list or search page shows.
const PatientPageSize = 20

// PatientSearchMode says how a search text was understood.
type PatientSearchMode string

const (
	SearchAll   PatientSearchMode = "all"   // no text: newest registrations first
	SearchID    PatientSearchMode = "id"    // 患者ID
	SearchKana  PatientSearchMode = "kana"  // カナ prefix (hiragana, katakana, half-width)
	SearchBirth PatientSearchMode = "birth" // 生年月日 (Western or 和暦)
	SearchChart PatientSearchMode = "chart" // カルテ番号 prefix
	SearchName  PatientSearchMode = "name"  // 漢字 substring of 氏名
	// SearchIDPrefix: the start of a 患者ID as printed (P-7KQM…), among
	// the facility's own patients.
	SearchIDPrefix PatientSearchMode = "id_prefix"
)

// Label is the mode in Japanese, for "…で検索しました".
func (m PatientSearchMode) Label() string {
	switch m {
	case SearchID:
		return "患者ID"
	case SearchKana:
		return "フリガナ（前方一致）"
	case SearchBirth:
		return "生年月日"
	case SearchChart:
		return "カルテ番号（前方一致）"
	case SearchName:
		return "氏名（部分一致）"
	case SearchIDPrefix:
		return "患者ID（前方一致）"
	}
	return "登録の新しい順"
}

// PatientQuery is a search of the actor's facility's patients.
type PatientQuery struct {
	Q     string
	After string // cursor from the previous page's Next
	Limit int
}

// PatientPage is one page of results.
type PatientPage struct {
	Mode PatientSearchMode
	// Patients hold the list fields only (ID, name, kana, birth date, sex,
	// カルテ番号, status), read from the list rows; a linked patient found
	// by ID holds what a linked facility may see.
	Patients []Patient
	Next     string // cursor for the next page, "" when none
	// Total is the facility's number of patients (SearchAll only).
	Total int
	// Birth is the date searched for (SearchBirth).
	Birth time.Time
}

// ClassifyPatientQuery decides how q is searched, and the key to search by.
//
//   - a patient ID (P-XXXX-XXXX-XXXX, any case and width) → that patient;
//   - the start of one, P and at least 3 more characters of the ID
//     alphabet (P-7KQ, p7kqm-3x) → the facility's patients whose ID
//     starts so;
//   - kana of any kind and width → カナ prefix of フリガナ;
//   - a date (1970-04-01, 昭和45年4月1日, S45.4.1; not bare digits) → 生年月日;
//   - letters, digits and hyphens with a digit (bare digits included) →
//     カルテ番号 prefix;
//   - anything else (漢字) → substring of 氏名, spaces ignored.
func ClassifyPatientQuery(q string) (PatientSearchMode, string) {
	q = strings.TrimSpace(q)
	if q == "" || jptext.InvalidText(q) || len(q) > 200 {
		return SearchAll, ""
	}
	if id, err := NormalizePatientID(q); err == nil && id != "" {
		return SearchID, id
	}
	if p, ok := patientIDPrefix(q); ok {
		return SearchIDPrefix, p
	}
	if k := jptext.KanaSearchKey(q); k != "" {
		return SearchKana, k
	}
	folded := strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(q)))
	if !isDigits(folded) {
		if t, err := jptext.ParseDate(q); err == nil && !t.IsZero() {
			return SearchBirth, t.Format("20060102")
		}
	}
	if chart, ok := NormalizeChartNumber(q); ok && chart != "" && strings.ContainsAny(chart, "0123456789") {
		return SearchChart, chart
	}
	if k := nameSearchKey(q); k != "" {
		return SearchName, k
	}
	return SearchAll, ""
}

// patientIDPrefix reads the start of a patient ID as typed from the card:
// "P", then 3 to 11 characters of the ID alphabet, with the hyphens and
// spaces of the print.
func patientIDPrefix(q string) (string, bool) {
	f, ok := foldTypedCode(q)
	if !ok || len(f) < 4 || len(f) >= PatientIDLength || f[0] != 'P' {
		return "", false
	}
	for i := 1; i < len(f); i++ {
		if strings.IndexByte(accessCodeAlphabet, f[i]) < 0 {
			return "", false
		}
	}
	return f, true
}

var cursorEnc = base64.RawURLEncoding

// SearchPatients finds the actor's facility's patients. Every mode walks
// an index of the facility and stops after one page; the 漢字 substring
// search scans the facility's names (kept in the order index, no record
// decoding) until it has a page.
func (db *DB) SearchPatients(a PRSActor, q PatientQuery) (PatientPage, error) {
	if err := a.check(); err != nil {
		return PatientPage{}, err
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = PatientPageSize
	}
	mode, key := ClassifyPatientQuery(q.Q)
	var cursor []byte
	if q.After != "" {
		if c, err := cursorEnc.DecodeString(q.After); err == nil && len(c) <= 512 {
			cursor = c
		}
	}
	var page PatientPage
	err := db.View(func(tx *Tx) error {
		page = PatientPage{Mode: mode, Patients: make([]Patient, 0, q.Limit)}
		s := patientScan{idx: tx.bucket(bucketPatientIndex), oid: a.FacilityOID, limit: q.Limit, page: &page}
		switch mode {
		case SearchAll:
			if v := tx.bucket(bucketPatientIndex).Get(pxCount(a.FacilityOID)); len(v) == 8 {
				page.Total = int(btoi(v))
			}
			return s.backward(indexKey(a.FacilityOID, "o"), cursor, nil)
		case SearchName:
			k := []byte(key)
			return s.backward(indexKey(a.FacilityOID, "o"), cursor, func(row []byte) bool { return bytes.Contains(rowNameKey(row), k) })
		case SearchIDPrefix:
			k := []byte(key)
			return s.backward(indexKey(a.FacilityOID, "o"), cursor, func(row []byte) bool { return bytes.HasPrefix(row, k) })
		case SearchKana:
			// indexKey(oid, "k", key) without the trailing separator: a prefix.
			return s.forward(indexKey(a.FacilityOID, "k", key), len(indexKey(a.FacilityOID, "k"))+1, cursor, seqFromValue)
		case SearchBirth:
			page.Birth, _ = time.Parse("20060102", key)
			return s.forward(append(indexKey(a.FacilityOID, "b", key), 0), len(indexKey(a.FacilityOID, "b"))+1, cursor, seqFromValue)
		case SearchChart:
			return s.forward(indexKey(a.FacilityOID, "c", key), len(indexKey(a.FacilityOID, "c"))+1, cursor, seqFromChart)
		case SearchID:
			p, _, err := patientAccessTx(tx, a, key)
			if ErrorCode(err) == ENOTFOUND {
				return nil
			}
			if err != nil {
				return err
			}
			if p.FacilityOID != a.FacilityOID {
				p = p.redactedForLink()
			}
			p.AccessCodeHash = ""
			page.Patients = append(page.Patients, p)
		}
		return nil
	})
	return page, err
}

type patientScan struct {
	idx   *bolt.Bucket
	oid   string
	limit int
	page  *PatientPage
}

// seqFromValue: the value is the patient's sequence number.
func seqFromValue(v []byte) []byte { return v }

// seqFromChart: the value is the patient ID and its sequence number.
func seqFromChart(v []byte) []byte {
	if len(v) < PatientIDLength {
		return nil
	}
	return v[PatientIDLength:]
}

// addRow adds the list row of the patient with sequence number seq.
func (s *patientScan) addRow(seq []byte) {
	if len(seq) != 8 {
		return
	}
	s.addEncoded(btoi(seq), s.idx.Get(pxOrder(s.oid, btoi(seq))))
}

func (s *patientScan) addEncoded(seq uint64, row []byte) {
	if p, ok := decodePatientRow(s.oid, seq, row); ok {
		s.page.Patients = append(s.page.Patients, p)
	}
}

// forward walks keys under prefix in order, from just after the cursor
// (the key tail after base, as the previous page gave it).
func (s *patientScan) forward(prefix []byte, base int, cursor []byte, seqOf func(v []byte) []byte) error {
	c := s.idx.Cursor()
	var k, v []byte
	if cursor != nil {
		start := append(append([]byte{}, prefix[:base]...), cursor...)
		if !hasPrefix(start, prefix) {
			return nil
		}
		k, v = c.Seek(start)
		if k != nil && string(k) == string(start) {
			k, v = c.Next()
		}
	} else {
		k, v = c.Seek(prefix)
	}
	var last []byte
	for ; k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if len(s.page.Patients) == s.limit {
			s.page.Next = cursorEnc.EncodeToString(last[base:])
			return nil
		}
		s.addRow(seqOf(v))
		last = append(last[:0], k...)
	}
	return nil
}

// backward walks the order index newest first from just before the
// cursor; with match it keeps only the rows it accepts (a name containing
// the key, an ID starting with it), compared in place.
func (s *patientScan) backward(prefix0 []byte, cursor []byte, match func(row []byte) bool) error {
	prefix := append(append([]byte{}, prefix0...), 0)
	// Start strictly before the cursor's key, or just past the facility's
	// last key (the separator 0x00 replaced by 0x01 sorts after them all).
	start := append(append([]byte{}, prefix0...), 1)
	if len(cursor) == 8 {
		start = append(append([]byte{}, prefix...), cursor...)
	}
	c := s.idx.Cursor()
	k, v := c.Seek(start)
	if k == nil {
		k, v = c.Last() // every key sorts before start
	} else {
		k, v = c.Prev()
	}
	var last []byte
	for ; k != nil && hasPrefix(k, prefix); k, v = c.Prev() {
		if match != nil && !match(v) {
			continue
		}
		if len(s.page.Patients) == s.limit {
			s.page.Next = cursorEnc.EncodeToString(last[len(prefix):])
			return nil
		}
		if len(k) == len(prefix)+8 {
			s.addEncoded(btoi(k[len(prefix):]), v)
		}
		last = append(last[:0], k...)
	}
	return nil
}

// AuditPatientsShown records that a list or search showed these patients to
// the actor: every access to patient data is in the audit log, lists
// included (one line per page, naming the patients on it). The line goes
// to the next group commit, which starts at once; the page does not wait
// for its fsync (audit_queue.go).
func (db *DB) AuditPatientsShown(a PRSActor, action AuditAction, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return db.AuditSoon(AuditEvent{Actor: a.MemberID, Action: action, Object: "facility:" + a.FacilityOID,
		Remote: a.Remote, Detail: strings.Join(ids, " ")})
}
