package store

import (
	"encoding/binary"
	"errors"
	"time"
)

// List rows (the small values an index holds so that a page of a list
// reads twenty of them and no record) are written in a compact binary
// form: decoding JSON was most of a big list page's CPU. A row starts with
// its version (rowV1, rowV2); rows written before the binary form are JSON
// and start with '{', and are still read. Strings are length-prefixed (uvarint), numbers uvarints, times a
// presence byte and the Unix time in nanoseconds (UTC).

const (
	rowV1 = 0x01
	// rowV2: a /dms row that also holds the patient's name (rewritten when
	// PRS changes the name), so the list looks up no patient.
	rowV2 = 0x02
)

var errRowShort = errors.New("row ends early")

type rowWriter struct{ b []byte }

func newRowWriter(size int) *rowWriter {
	w := &rowWriter{b: make([]byte, 0, size)}
	w.b = append(w.b, rowV1)
	return w
}

// rowVersion is the row's version byte (0: not a binary row).
func rowVersion(v []byte) byte {
	if len(v) == 0 || (v[0] != rowV1 && v[0] != rowV2) {
		return 0
	}
	return v[0]
}

func (w *rowWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *rowWriter) uint(n uint64) { w.b = binary.AppendUvarint(w.b, n) }

func (w *rowWriter) time(t time.Time) {
	if t.IsZero() {
		w.b = append(w.b, 0)
		return
	}
	w.b = append(w.b, 1)
	w.b = binary.AppendVarint(w.b, t.UnixNano())
}

// rowReader reads what rowWriter wrote; the first error sticks, and every
// string is a copy (no bbolt bytes leave the transaction).
type rowReader struct {
	b   []byte
	err error
}

// binaryRow reports whether v is a binary row, and a reader past its
// version byte.
func binaryRow(v []byte) (*rowReader, bool) {
	if rowVersion(v) == 0 {
		return nil, false
	}
	return &rowReader{b: v[1:]}, true
}

func (r *rowReader) str() string {
	if r.err != nil {
		return ""
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || uint64(len(r.b)-k) < n {
		r.err = errRowShort
		return ""
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

func (r *rowReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.err = errRowShort
		return 0
	}
	r.b = r.b[k:]
	return n
}

func (r *rowReader) time() time.Time {
	if r.err != nil {
		return time.Time{}
	}
	if len(r.b) == 0 {
		r.err = errRowShort
		return time.Time{}
	}
	present := r.b[0]
	r.b = r.b[1:]
	if present == 0 {
		return time.Time{}
	}
	n, k := binary.Varint(r.b)
	if k <= 0 {
		r.err = errRowShort
		return time.Time{}
	}
	r.b = r.b[k:]
	return time.Unix(0, n).UTC()
}

// done is the reader's error, or one when bytes are left over (a row
// written by something else is no row).
func (r *rowReader) done() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = errors.New("row has trailing bytes")
	}
	return r.err
}
