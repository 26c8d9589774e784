package store

import (
	"bytes"
	"time"
)

// A patient's list row lives in the facility's order index (oid o seq): the
// fields a list or search result shows, joined by 0x00 (no field can hold
// control characters). Lists and searches read rows, never the JSON
// records, so a page of 20 costs 20 small reads and no decoding; the other
// indexes point at the row by its sequence number.
//
//	id 0x00 nameKey 0x00 status 0x00 name 0x00 kana 0x00 YYYYMMDD 0x00 sex 0x00 chart

const patientRowFields = 8

func encodePatientRow(p Patient) []byte {
	var b bytes.Buffer
	b.Grow(len(p.Name)*2 + len(p.NameKana) + len(p.ChartNumber) + 48)
	for i, f := range []string{p.ID, nameSearchKey(p.Name), string(p.Status), p.Name, p.NameKana,
		p.BirthDate.Format("20060102"), string(p.Sex), p.ChartNumber} {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(f)
	}
	return b.Bytes()
}

// decodePatientRow turns a row back into a Patient holding the row's
// fields only.
func decodePatientRow(oid string, seq uint64, v []byte) (Patient, bool) {
	var f [patientRowFields][]byte
	for i := 0; i < patientRowFields-1; i++ {
		j := bytes.IndexByte(v, 0)
		if j < 0 {
			return Patient{}, false
		}
		f[i], v = v[:j], v[j+1:]
	}
	// A damaged row (more fields, a date that is no day) is no row: it
	// would come back from the list other than it was written.
	if bytes.IndexByte(v, 0) >= 0 {
		return Patient{}, false
	}
	f[patientRowFields-1] = v
	d := f[5]
	if len(d) != 8 || !isDigits(string(d)) {
		return Patient{}, false
	}
	num := func(b []byte) int {
		n := 0
		for _, c := range b {
			n = n*10 + int(c-'0')
		}
		return n
	}
	month, day := time.Month(num(d[4:6])), num(d[6:])
	birth := time.Date(num(d[:4]), month, day, 0, 0, 0, 0, time.UTC)
	if birth.Month() != month || birth.Day() != day {
		return Patient{}, false
	}
	p := Patient{ID: string(f[0]), FacilityOID: oid, Seq: seq, Status: PatientStatus(f[2]), Name: string(f[3]),
		NameKana: string(f[4]), BirthDate: birth, Sex: Sex(f[6]), ChartNumber: string(f[7])}
	return p, true
}

// rowNameKey is the name search key of an encoded row, without copying.
func rowNameKey(v []byte) []byte {
	i := bytes.IndexByte(v, 0)
	if i < 0 {
		return nil
	}
	v = v[i+1:]
	if j := bytes.IndexByte(v, 0); j >= 0 {
		return v[:j]
	}
	return v
}
