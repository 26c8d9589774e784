package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	bolt "go.etcd.io/bbolt"
)

func putAttachment(t testing.TB, db *DB, owner string, u Upload) Attachment {
	t.Helper()
	var a Attachment
	mustUpdate(t, db, func(tx *Tx) error {
		var err error
		a, err = tx.PutAttachment(owner, u)
		return err
	})
	return a
}

func readAttachment(t testing.TB, db *DB, owner, id string) []byte {
	t.Helper()
	r, err := db.OpenAttachment(owner, id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func chunkSizeOf(db *DB) int { return attachmentChunkSize(db.bolt.Info().PageSize) }

// Contents around the chunk boundaries read back byte-identical, through
// Read with small and odd buffers and through WriteTo, and every one is
// stored in the chunks it should be.
func TestAttachmentRoundTripAtChunkBoundaries(t *testing.T) {
	db, now := mustOpen(t)
	chunk := chunkSizeOf(db)
	if chunk < 16<<10 || chunk > 256<<10 {
		t.Fatalf("chunk size %d", chunk)
	}
	// A file of one byte is no PDF, JPEG or PNG, so the form refuses it;
	// the chunk layer below it still stores it.
	if _, err := CheckUpload(UploadBytes("x", []byte{'%'})); err == nil {
		t.Fatal("a one-byte file passed the content check")
	}
	var oneByte Attachment
	mustUpdate(t, db, func(tx *Tx) error {
		sum := sha256.Sum256([]byte{'%'})
		seq, err := tx.putBlob(UploadBytes("x", []byte{'%'}), sum)
		if err != nil {
			return err
		}
		oneByte, err = tx.addAttachment("test:1", seq, Attachment{Name: "x", ContentType: ContentTypePDF, Size: 1, SHA256: hex.EncodeToString(sum[:])})
		return err
	})
	if got := readAttachment(t, db, "test:1", oneByte.ID); !bytes.Equal(got, []byte{'%'}) {
		t.Fatalf("one byte read back as %q", got)
	}

	for i, size := range []int{chunk - 1, chunk, chunk + 1, 2*chunk - 1, 2 * chunk, 3*chunk + 1, MaxAttachmentSize} {
		data := SamplePDF(size, uint64(i))
		if len(data) != size {
			t.Fatalf("sample of %d bytes has %d", size, len(data))
		}
		a := putAttachment(t, db, "dms:R000001", UploadBytes("検査結果.pdf", data))
		sum := sha256.Sum256(data)
		if a.Size != int64(size) || a.SHA256 != hex.EncodeToString(sum[:]) || a.ContentType != ContentTypePDF ||
			a.Name != "検査結果.pdf" || a.Owner != "dms:R000001" || !a.CreatedAt.Equal(*now) || len(a.ID) != 32 {
			t.Fatalf("size %d: stored %+v", size, a)
		}
		if got := readAttachment(t, db, "dms:R000001", a.ID); !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes, not the same", size, len(got))
		}
		// Odd small reads cross chunk boundaries mid-buffer.
		r, err := db.OpenAttachment("dms:R000001", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := iotest.TestReader(r, data); err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		r.Close()
		r, _ = db.OpenAttachment("dms:R000001", a.ID)
		var buf bytes.Buffer
		if n, err := r.WriteTo(&buf); err != nil || n != int64(size) || !bytes.Equal(buf.Bytes(), data) {
			t.Fatalf("size %d: WriteTo %d, %v", size, n, err)
		}
		r.Close()
		wantChunks := (size + chunk - 1) / chunk
		db.View(func(tx *Tx) error {
			s, _ := tx.storedAttachment("dms:R000001", a.ID)
			var b attachmentBlob
			getJSON(tx.bucket(bucketAttachmentBlobs), itob(s.Blob), &b)
			if b.Chunks != wantChunks || b.ChunkSize != chunk || b.Refs != 1 {
				t.Errorf("size %d: blob %+v, want %d chunks of %d", size, b, wantChunks, chunk)
			}
			return nil
		})
	}
	if r, err := db.Check(CheckOptions{Pages: true}); err != nil || !r.OK() {
		t.Fatalf("check: %v %v", err, r.Problems)
	}
}

// An attachment only opens under its own owner; every other owner, an
// unknown ID and an empty one are the same "not found".
func TestAttachmentNeedsItsOwner(t *testing.T) {
	db, _ := mustOpen(t)
	a := putAttachment(t, db, "dms:R000001", UploadBytes("x.png", SamplePNG(8, 8, 1)))
	for _, c := range []struct{ owner, id string }{
		{"dms:R000002", a.ID},
		{"referral:R000001", a.ID},
		{"", a.ID},
		{"dms:R000001", "nosuchid"},
		{"dms:R000001", ""},
		{"dms:R000001", strings.ToUpper(a.ID)},
	} {
		if _, err := db.OpenAttachment(c.owner, c.id); ErrorCode(err) != ENOTFOUND {
			t.Errorf("OpenAttachment(%q, %q) = %v, want not found", c.owner, c.id, err)
		}
		db.View(func(tx *Tx) error {
			if _, err := tx.Attachment(c.owner, c.id); ErrorCode(err) != ENOTFOUND {
				t.Errorf("Attachment(%q, %q) = %v, want not found", c.owner, c.id, err)
			}
			return nil
		})
	}
	if got := readAttachment(t, db, "dms:R000001", a.ID); len(got) == 0 {
		t.Fatal("own attachment unreadable")
	}
	if err := db.Update(func(tx *Tx) error {
		_, err := tx.PutAttachment("", UploadBytes("x.png", SamplePNG(8, 8, 1)))
		return err
	}); ErrorCode(err) != EINTERNAL {
		t.Fatalf("an upload without owner: %v", err)
	}
}

// The same bytes are stored once however often they are attached, and a
// carried-over attachment references them too; reference counts add up.
func TestAttachmentContentIsStoredOnce(t *testing.T) {
	db, _ := mustOpen(t)
	data := SamplePDF(300<<10, 7)
	a := putAttachment(t, db, "dms:R000001", UploadBytes("a.pdf", data))
	b := putAttachment(t, db, "referral:L000001", UploadBytes("b.pdf", data))
	var c Attachment
	mustUpdate(t, db, func(tx *Tx) error {
		var err error
		c, err = tx.CarryOverAttachment("dms:R000001", a.ID, "referral:L000002")
		return err
	})
	if a.ID == b.ID || b.ID == c.ID || c.CarriedFrom != a.ID || c.Name != "a.pdf" || c.SHA256 != a.SHA256 || c.Owner != "referral:L000002" {
		t.Fatalf("attachments %+v %+v %+v", a, b, c)
	}
	for _, x := range []Attachment{a, b, c} {
		if !bytes.Equal(readAttachment(t, db, x.Owner, x.ID), data) {
			t.Fatalf("%s: content differs", x.ID)
		}
	}
	db.View(func(tx *Tx) error {
		blobs, chunks := tx.bucket(bucketAttachmentBlobs).Stats().KeyN, tx.bucket(bucketAttachmentChunks).Stats().KeyN
		wantChunks := (len(data) + chunkSizeOf(db) - 1) / chunkSizeOf(db)
		if blobs != 1 || chunks != wantChunks {
			t.Errorf("%d blobs, %d chunks; want 1 and %d", blobs, chunks, wantChunks)
		}
		var blob attachmentBlob
		getJSON(tx.bucket(bucketAttachmentBlobs), itob(1), &blob)
		if blob.Refs != 3 {
			t.Errorf("refs %d, want 3", blob.Refs)
		}
		return nil
	})
	// Carrying over needs the source's owner too.
	err := db.Update(func(tx *Tx) error {
		_, err := tx.CarryOverAttachment("dms:R000009", a.ID, "referral:L000003")
		return err
	})
	if ErrorCode(err) != ENOTFOUND {
		t.Fatalf("carry over from the wrong owner: %v", err)
	}
	if r, err := db.Check(CheckOptions{}); err != nil || !r.OK() || r.Attachments.Attachments != 3 || r.Attachments.Blobs != 1 {
		t.Fatalf("check: %v %v %+v", err, r.Problems, r.Attachments)
	}
}

// A record and its files commit together: when the caller's transaction
// fails after the upload, nothing of the file stays.
func TestAttachmentCommitsWithItsRecord(t *testing.T) {
	db, _ := mustOpen(t)
	before, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("the record was refused")
	err = db.Update(func(tx *Tx) error {
		if _, err := tx.PutAttachment("dms:R000001", UploadBytes("x.pdf", SamplePDF(200<<10, 1))); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	after, _ := db.BucketDigests()
	for name, d := range before {
		if after[name] != d {
			t.Errorf("bucket %s changed", name)
		}
	}
	// A refused file inside a transaction stores nothing either (the
	// caller returns the error).
	err = db.Update(func(tx *Tx) error {
		_, err := tx.PutAttachment("dms:R000001", UploadBytes("x.png", []byte("<svg/>")))
		return err
	})
	if ErrorCode(err) != EINVALID {
		t.Fatalf("svg: %v", err)
	}
	after, _ = db.BucketDigests()
	for name, d := range before {
		if after[name] != d {
			t.Errorf("bucket %s changed after a refused file", name)
		}
	}
	if err := db.View(func(tx *Tx) error {
		_, err := tx.PutAttachment("dms:R000001", UploadBytes("x.pdf", SamplePDF(1000, 1)))
		return err
	}); ErrorCode(err) != EINTERNAL {
		t.Fatalf("PutAttachment in a read transaction: %v", err)
	}
}

// Damage the reader and hotline check both notice: a missing chunk, a
// changed byte, a chunk that belongs to nothing, a wrong reference count.
func TestAttachmentDamageIsFound(t *testing.T) {
	db, _ := mustOpen(t)
	chunk := chunkSizeOf(db)
	data := SamplePDF(3*chunk+100, 1)
	a := putAttachment(t, db, "dms:R000001", UploadBytes("x.pdf", data))
	putAttachment(t, db, "dms:R000001", UploadBytes("y.pdf", SamplePDF(1000, 2)))
	if r, err := db.Check(CheckOptions{}); err != nil || !r.OK() || r.Attachments.Chunks != 5 || r.Attachments.Bytes != int64(len(data)+1000) {
		t.Fatalf("clean: %v %v %+v", err, r.Problems, r.Attachments)
	}
	chunks := func(fn func(b *bolt.Bucket) error) {
		mustUpdate(t, db, func(tx *Tx) error { return fn(tx.bucket(bucketAttachmentChunks)) })
	}
	readErr := func() error {
		r, err := db.OpenAttachment("dms:R000001", a.ID)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(io.Discard, r)
		return err
	}

	// A changed byte: the SHA-256 no longer matches.
	chunks(func(b *bolt.Bucket) error {
		v := bytes.Clone(b.Get(chunkKey(1, 1)))
		v[10] ^= 1
		return b.Put(chunkKey(1, 1), v)
	})
	wantProblem(t, db, "添付ファイル", "内容 1 の SHA-256 が記録と一致しません")
	if err := readErr(); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("reading a changed chunk: %v", err)
	}

	// A missing chunk.
	chunks(func(b *bolt.Bucket) error {
		return b.Delete(chunkKey(1, 2))
	})
	wantProblem(t, db, "添付ファイル", "内容 1 のチャンク 2 がありません")
	if err := readErr(); err == nil || !strings.Contains(err.Error(), "chunk 2") {
		t.Fatalf("reading past a missing chunk: %v", err)
	}

	// A chunk of no blob, and one past a blob's end.
	chunks(func(b *bolt.Bucket) error {
		if err := b.Put(chunkKey(9, 0), []byte("stray")); err != nil {
			return err
		}
		return b.Put(chunkKey(2, 1), []byte("past the end"))
	})
	wantProblem(t, db, "添付ファイル", "チャンク 9/0 はどの内容にも属していません")
	wantProblem(t, db, "添付ファイル", "チャンク 2/1 はどの内容にも属していません")

	// A reference count that disagrees, and a blob no attachment uses.
	mustUpdate(t, db, func(tx *Tx) error {
		var b attachmentBlob
		getJSON(tx.bucket(bucketAttachmentBlobs), itob(2), &b)
		b.Refs = 2
		if err := putJSON(tx.bucket(bucketAttachmentBlobs), itob(2), b); err != nil {
			return err
		}
		return tx.bucket(bucketAttachments).Delete([]byte(a.ID))
	})
	wantProblem(t, db, "添付ファイル", "内容 2 の参照数が 2 です（添付は 1 件）")
	wantProblem(t, db, "添付ファイル", "内容 1 を参照する添付がありません")
}

// Chunks fill their leaf pages: a leaf of two to four chunks is a whole
// number of pages with no page spilled over. (Chunks of exactly 16 KB fill
// 89 % of theirs, which is where a file grows beyond what it holds; see
// BenchmarkAttachmentBloat.)
func TestAttachmentChunksFillTheirPages(t *testing.T) {
	fill := func(t *testing.T) float64 {
		db, _ := mustOpen(t)
		for i := range 6 {
			putAttachment(t, db, "dms:R000001", UploadBytes("x.pdf", SamplePDF(1<<20+i*77777, uint64(i))))
		}
		var s bolt.BucketStats
		db.View(func(tx *Tx) error {
			s = tx.bucket(bucketAttachmentChunks).Stats()
			return nil
		})
		return float64(s.LeafInuse) / float64(s.LeafAlloc)
	}
	if f := fill(t); f < 0.97 {
		t.Fatalf("chunk leaves are %.1f %% full", f*100)
	}
	// The measure tells the two apart.
	saved := attachmentChunkSize
	attachmentChunkSize = func(int) int { return 16 << 10 }
	defer func() { attachmentChunkSize = saved }()
	if f := fill(t); f > 0.9 {
		t.Fatalf("16 KB chunks: leaves %.1f %% full, expected the spilled page to show", f*100)
	}
}
