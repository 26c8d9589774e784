package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"

	bolt "go.etcd.io/bbolt"
)

// AttachmentReader streams one attachment's content, a chunk at a time.
// Each chunk is read in its own short read transaction, so a slow client
// never holds a transaction open (a long one blocks bbolt's remap, and with
// it every write that grows the file). That is as consistent as one long
// transaction: chunks are immutable once committed and never deleted
// (there is no delete of attachments at all), so every transaction sees
// the same bytes. Memory is one chunk, whatever the file's size.
type AttachmentReader struct {
	Attachment
	db   *DB
	seq  uint64
	blob attachmentBlob

	next int    // the next chunk to read
	buf  []byte // the current chunk
	pos  int    // read position in buf
	sent int64
	h    hash.Hash
	err  error
}

// OpenAttachment opens attachment id of owner for reading. The owner is
// required: an ID that belongs to another record or letter, or none,
// answers ENOTFOUND. Whether the current user may see owner is the
// caller's decision (and audit line), made before this call. Nothing is
// read until the first Read, so answering HEAD costs one small transaction.
func (db *DB) OpenAttachment(owner, id string) (*AttachmentReader, error) {
	r := &AttachmentReader{db: db}
	err := db.View(func(tx *Tx) error {
		s, err := tx.storedAttachment(owner, id)
		if err != nil {
			return err
		}
		found, err := getJSON(tx.bucket(bucketAttachmentBlobs), itob(s.Blob), &r.blob)
		if err != nil {
			return err
		}
		if !found || r.blob.Size != s.Size || r.blob.SHA256 != s.SHA256 {
			return Errorf(EINTERNAL, "attachment %s: its content record %d is missing or differs", id, s.Blob)
		}
		r.Attachment, r.seq = s.Attachment, s.Blob
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.h = sha256.New()
	return r, nil
}

// Read reads the content; after the last byte it checks the length and the
// SHA-256 against what was stored, and a mismatch is an error instead of
// io.EOF (a download then breaks off rather than deliver damaged data).
func (r *AttachmentReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.pos == len(r.buf) {
		if err := r.fill(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += n
	return n, nil
}

// WriteTo writes the content to w chunk by chunk without another copy.
func (r *AttachmentReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if r.err != nil {
			if r.err == io.EOF {
				return total, nil
			}
			return total, r.err
		}
		if r.pos == len(r.buf) {
			if err := r.fill(); err != nil {
				r.err = err
				continue
			}
		}
		n, err := w.Write(r.buf[r.pos:])
		r.pos += n
		total += int64(n)
		if err != nil {
			r.err = err
			return total, err
		}
	}
}

// fill reads the next chunk into buf, or returns io.EOF after the last one
// once the content checked out.
func (r *AttachmentReader) fill() error {
	if r.next >= r.blob.Chunks {
		if r.sent != r.blob.Size || hex.EncodeToString(r.h.Sum(nil)) != r.blob.SHA256 {
			return Errorf(EINTERNAL, "attachment %s: the stored content does not match its SHA-256", r.ID)
		}
		return io.EOF
	}
	if r.buf == nil {
		r.buf = make([]byte, 0, r.blob.ChunkSize)
	}
	key := chunkKey(r.seq, r.next)
	err := r.db.bolt.View(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketAttachmentChunks)
		if b == nil {
			return Errorf(EINTERNAL, "attachment chunks bucket missing")
		}
		v := b.Get(key)
		want := r.blob.ChunkSize
		if r.next == r.blob.Chunks-1 {
			want = int(r.blob.Size - int64(r.blob.ChunkSize)*int64(r.blob.Chunks-1))
		}
		if v == nil || len(v) != want || len(v) > cap(r.buf) {
			return Errorf(EINTERNAL, "attachment %s: chunk %d of blob %d missing or of the wrong size", r.ID, r.next, r.seq)
		}
		r.buf = append(r.buf[:0], v...)
		return nil
	})
	if err != nil {
		return err
	}
	r.next++
	r.pos = 0
	r.sent += int64(len(r.buf))
	r.h.Write(r.buf)
	return nil
}

var errReaderClosed = errors.New("store: attachment reader closed")

// Close releases the chunk buffer; the reader reads nothing afterwards.
func (r *AttachmentReader) Close() error {
	r.buf, r.pos = nil, 0
	if r.err == nil {
		r.err = errReaderClosed
	}
	return nil
}
