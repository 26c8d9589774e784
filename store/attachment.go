package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Attachments (添付ファイル) of DMS records and referral letters: PDF, JPEG or
// PNG files kept in the one database file. The record or letter that holds
// them (the owner) decides who may see them; this layer makes sure an
// attachment is only ever opened by naming its owner, and never deletes one
// (they are medical data).
//
// Layout:
//
//	attachments              ID → storedAttachment (JSON): owner, name, type, blob
//	attachment_blobs         blob sequence (8 bytes) → attachmentBlob (JSON)
//	attachment_blobs_by_sha  SHA-256 (32 bytes) → blob sequence
//	attachment_chunks        blob sequence (8) + chunk number (4) → bytes
//
// Content is stored once per distinct SHA-256 (a blob) and referenced by
// every attachment with those bytes, so a file carried over into a new
// version or another letter is not copied. A blob is cut into chunks of a
// few pages (see attachmentChunkSize): bbolt keeps a large value in
// contiguous overflow pages, which the freelist can rarely supply again, so
// whole files would make the file grow well beyond the bytes it holds.
// Blob sequences only grow, so a new blob's chunks are appended at the right
// edge of the chunk bucket and a write copies no one else's pages.
var (
	bucketAttachments          = []byte("attachments")
	bucketAttachmentBlobs      = []byte("attachment_blobs")
	bucketAttachmentBlobsBySHA = []byte("attachment_blobs_by_sha")
	bucketAttachmentChunks     = []byte("attachment_chunks")
)

// Limits of attachments; forms and their messages use the same numbers.
const (
	// MaxAttachmentSize is the largest file accepted (10 MB).
	MaxAttachmentSize = 10 << 20
	// MaxAttachmentsPerRequest is how many files one form may send.
	MaxAttachmentsPerRequest = 5
	// MaxAttachmentNameBytes bounds a stored file name in UTF-8 bytes (the
	// limit of common file systems: about 85 Japanese characters).
	MaxAttachmentNameBytes = 255
	// maxOwnerBytes bounds an owner reference such as "dms:R000001".
	maxOwnerBytes = 200
)

// Content types an attachment may have, decided from the content only.
const (
	ContentTypePDF  = "application/pdf"
	ContentTypeJPEG = "image/jpeg"
	ContentTypePNG  = "image/png"
)

// Attachment is a stored file as its owner lists it.
type Attachment struct {
	ID          string    `json:"id"`
	Owner       string    `json:"owner"` // e.g. "dms:R000001", "referral:L000001"
	Name        string    `json:"name"`  // the original name, cleaned (CleanAttachmentName)
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"` // hex, of the content
	CreatedAt   time.Time `json:"created_at"`
	// CarriedFrom is the attachment of another owner this one was carried
	// over from (CarryOverAttachment); empty for an upload.
	CarriedFrom string `json:"carried_from,omitempty"`
}

// IsImage reports whether the attachment is a JPEG or PNG image (shown
// inline on a page; a PDF opens in its own tab).
func (a Attachment) IsImage() bool {
	return a.ContentType == ContentTypeJPEG || a.ContentType == ContentTypePNG
}

// storedAttachment is an attachment as the file holds it.
type storedAttachment struct {
	Attachment
	Blob uint64 `json:"blob"` // key in attachment_blobs
}

// attachmentBlob describes one distinct content and its chunks.
type attachmentBlob struct {
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	ChunkSize int       `json:"chunk_size"` // every chunk but the last has this size
	Chunks    int       `json:"chunks"`
	Refs      int       `json:"refs"` // attachments that point here
	CreatedAt time.Time `json:"created_at"`
}

// Upload is a file as a form sent it, before it is checked and stored.
type Upload struct {
	Name string // as the browser sent it; cleaned when stored
	Size int64
	// Content holds Size bytes. It is only read during CheckUpload and
	// PutAttachment, so it may be a multipart file that is closed after.
	Content io.ReaderAt
}

// UploadBytes is an Upload of bytes held in memory.
func UploadBytes(name string, data []byte) Upload {
	return Upload{Name: name, Size: int64(len(data)), Content: bytes.NewReader(data)}
}

// attachmentChunkPages is how many database pages one chunk fills: 8, a
// chunk of 32,704 bytes with 4 KB pages. With 1,200 files of 100 KB–5 MB
// the file then holds 1.007 × the content and writes 1.04 × it; whole files
// as single values need 3.1 × the writes (each commit copies the files
// sharing the last leaf), chunks of exactly 16 KB make the file 1.13 ×
// (see BENCHMARKS.md, attachments).
const attachmentChunkPages = 8

// attachmentChunkSize is the chunk size for a file with the given page size:
// chunkPages pages less room for the leaf's own headers. bbolt puts at least
// two values in a leaf, and a leaf of two, three or four chunks then fills a
// whole number of pages exactly instead of spilling one page over (a chunk
// of exactly 16 KB would waste one page in nine). Each blob records its
// chunk size, so changing this later leaves stored files readable; the
// benchmarks replace it to compare sizes.
var attachmentChunkSize = func(pageSize int) int {
	return attachmentChunkPages*pageSize - chunkSlack
}

// chunkSlack covers, per chunk, bbolt's leaf element header (16 bytes), the
// 12-byte key and a share of the 16-byte page header, with room to spare.
const chunkSlack = 64

func chunkKey(blob uint64, n int) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, blob)
	binary.BigEndian.PutUint32(k[8:], uint32(n))
	return k
}

// PutAttachment checks u and stores it for owner inside the caller's write
// transaction, so a record and its files commit (and are fsynced) together
// or not at all. Content already stored (same SHA-256) is referenced, not
// written again. A refused file gives an EINVALID error whose message is
// the reason to show beside the field.
func (tx *Tx) PutAttachment(owner string, u Upload) (Attachment, error) {
	if !tx.Writable() {
		return Attachment{}, Errorf(EINTERNAL, "PutAttachment needs a write transaction")
	}
	if err := checkOwner(owner); err != nil {
		return Attachment{}, err
	}
	ct, err := CheckUpload(u)
	if err != nil {
		return Attachment{}, err
	}
	sum, err := uploadSHA256(u)
	if err != nil {
		return Attachment{}, err
	}
	seq, err := tx.putBlob(u, sum)
	if err != nil {
		return Attachment{}, err
	}
	return tx.addAttachment(owner, seq, Attachment{
		Name:        CleanAttachmentName(u.Name, ct),
		ContentType: ct,
		Size:        u.Size,
		SHA256:      hex.EncodeToString(sum[:]),
	})
}

// CarryOverAttachment makes attachment id of fromOwner also an attachment of
// toOwner (a correction letter keeping the files of the one it corrects, a
// letter attaching a record's file), referencing the same stored content:
// nothing is copied. A new version of the same owner needs no call at all:
// it lists the same IDs.
func (tx *Tx) CarryOverAttachment(fromOwner, id, toOwner string) (Attachment, error) {
	if !tx.Writable() {
		return Attachment{}, Errorf(EINTERNAL, "CarryOverAttachment needs a write transaction")
	}
	if err := checkOwner(toOwner); err != nil {
		return Attachment{}, err
	}
	src, err := tx.storedAttachment(fromOwner, id)
	if err != nil {
		return Attachment{}, err
	}
	blobs := tx.bucket(bucketAttachmentBlobs)
	var blob attachmentBlob
	if found, err := getJSON(blobs, itob(src.Blob), &blob); err != nil || !found {
		return Attachment{}, Errorf(EINTERNAL, "attachment %s: blob %d missing (%v)", id, src.Blob, err)
	}
	blob.Refs++
	if err := putJSON(blobs, itob(src.Blob), blob); err != nil {
		return Attachment{}, err
	}
	a := src.Attachment
	a.CarriedFrom = src.ID
	return tx.addAttachment(toOwner, src.Blob, a)
}

// Attachment returns the attachment id of owner. Another owner's ID, or an
// unknown one, is ENOTFOUND: an ID from one record never opens in another.
func (tx *Tx) Attachment(owner, id string) (Attachment, error) {
	s, err := tx.storedAttachment(owner, id)
	return s.Attachment, err
}

func (tx *Tx) storedAttachment(owner, id string) (storedAttachment, error) {
	var s storedAttachment
	if owner == "" || id == "" || len(id) > 100 {
		return s, NotFound()
	}
	found, err := getJSON(tx.bucket(bucketAttachments), []byte(id), &s)
	if err != nil {
		return storedAttachment{}, err
	}
	if !found || s.Owner != owner {
		return storedAttachment{}, NotFound()
	}
	return s, nil
}

func (tx *Tx) addAttachment(owner string, blob uint64, a Attachment) (Attachment, error) {
	b := tx.bucket(bucketAttachments)
	a.ID = RandomToken()
	for b.Get([]byte(a.ID)) != nil {
		a.ID = RandomToken()
	}
	a.Owner = owner
	a.CreatedAt = tx.Now
	if err := putJSON(b, []byte(a.ID), storedAttachment{Attachment: a, Blob: blob}); err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// putBlob stores u's content under a new blob sequence, or adds a reference
// to the blob that already holds it.
func (tx *Tx) putBlob(u Upload, sum [32]byte) (uint64, error) {
	blobs := tx.bucket(bucketAttachmentBlobs)
	bySHA := tx.bucket(bucketAttachmentBlobsBySHA)
	if v := bySHA.Get(sum[:]); len(v) == 8 {
		seq := btoi(v)
		var blob attachmentBlob
		if found, err := getJSON(blobs, v, &blob); err != nil || !found {
			return 0, Errorf(EINTERNAL, "blob %d missing (%v)", seq, err)
		}
		blob.Refs++
		return seq, putJSON(blobs, itob(seq), blob)
	}
	seq, err := blobs.NextSequence()
	if err != nil {
		return 0, err
	}
	size := attachmentChunkSize(tx.DB().Info().PageSize)
	chunks := tx.bucket(bucketAttachmentChunks)
	// Keys only grow: pack leaves full instead of splitting them in half.
	chunks.FillPercent = 1.0
	n := 0
	for off := int64(0); off < u.Size; off += int64(size) {
		// bbolt keeps the value slice until the commit, so each chunk has
		// its own buffer.
		buf := make([]byte, min(int64(size), u.Size-off))
		if m, err := u.Content.ReadAt(buf, off); m != len(buf) {
			return 0, Errorf(EINTERNAL, "read upload at %d: %d of %d bytes: %v", off, m, len(buf), err)
		}
		if err := chunks.Put(chunkKey(seq, n), buf); err != nil {
			return 0, err
		}
		n++
	}
	blob := attachmentBlob{SHA256: hex.EncodeToString(sum[:]), Size: u.Size, ChunkSize: size, Chunks: n, Refs: 1, CreatedAt: tx.Now}
	if err := putJSON(blobs, itob(seq), blob); err != nil {
		return 0, err
	}
	return seq, bySHA.Put(sum[:], itob(seq))
}

func uploadSHA256(u Upload) ([32]byte, error) {
	var sum [32]byte
	h := sha256.New()
	if n, err := io.Copy(h, io.NewSectionReader(u.Content, 0, u.Size)); err != nil || n != u.Size {
		return sum, Errorf(EINTERNAL, "read upload: %d of %d bytes: %v", n, u.Size, err)
	}
	h.Sum(sum[:0])
	return sum, nil
}

func checkOwner(owner string) error {
	if owner == "" || len(owner) > maxOwnerBytes || !utf8.ValidString(owner) {
		return Errorf(EINTERNAL, "attachment owner %q is not a valid reference", clip(owner, 40))
	}
	for _, r := range owner {
		if r < 0x20 || r == 0x7f {
			return Errorf(EINTERNAL, "attachment owner %q is not a valid reference", clip(owner, 40))
		}
	}
	return nil
}

// CleanAttachmentName is the name a file is stored and offered under: the
// original name (Japanese intact) without any folder part, control or
// invisible formatting characters (line breaks, bidirectional overrides
// that could disguise the extension), trailing dots and spaces, and at
// most MaxAttachmentNameBytes bytes with the extension kept. An empty result
// becomes 添付ファイル with the extension of contentType.
func CleanAttachmentName(name, contentType string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var sb strings.Builder
	space := false
	for _, r := range name {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || unicode.In(r, unicode.Zl, unicode.Zp):
			r = ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			continue
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		sb.WriteRune(r)
	}
	name = strings.TrimLeft(strings.TrimRight(sb.String(), " ."), " ")
	if strings.Trim(name, ".") == "" {
		name = "添付ファイル" + extensionOf(contentType)
	}
	if len(name) > MaxAttachmentNameBytes {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
			ext = name[i:]
		}
		name = clip(name[:len(name)-len(ext)], MaxAttachmentNameBytes-len(ext)) + ext
	}
	return name
}

func extensionOf(contentType string) string {
	switch contentType {
	case ContentTypePDF:
		return ".pdf"
	case ContentTypeJPEG:
		return ".jpg"
	case ContentTypePNG:
		return ".png"
	}
	return ""
}
