package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
)

// AttachmentReport is what hotline check found in the attachments.
type AttachmentReport struct {
	Attachments int   // attachment entries (one per owner and file)
	Blobs       int   // distinct contents
	Chunks      int   // chunks read
	Bytes       int64 // bytes of distinct content, every one read and hashed
	Problems    []string
}

// checkAttachments verifies, in the caller's read transaction, that every
// attachment points at a content record of its size and SHA-256, that
// every content has all its chunks with the right sizes and the bytes hash
// to its SHA-256, that its reference count is the number of attachments
// using it, that the SHA-256 index agrees, and that no chunk or content
// belongs to nothing. Blobs and chunks are both in blob-sequence order, so
// one merged walk reads each chunk once; memory is one counter per blob.
func checkAttachments(tx *Tx, bucketsDue bool) AttachmentReport {
	var ar AttachmentReport
	atts, blobs := tx.Bucket(bucketAttachments), tx.Bucket(bucketAttachmentBlobs)
	bySHA, chunks := tx.Bucket(bucketAttachmentBlobsBySHA), tx.Bucket(bucketAttachmentChunks)
	if atts == nil || blobs == nil || bySHA == nil || chunks == nil {
		if bucketsDue {
			ar.Problems = append(ar.Problems, "バケットがありません")
		}
		return ar
	}
	pl := problemList{out: &ar.Problems}
	problem := pl.add
	defer pl.done()

	// Attachments: each names a blob of its size and hash.
	refs := map[uint64]int{}
	blobOf := func(seq uint64) (attachmentBlob, bool) {
		var b attachmentBlob
		v := blobs.Get(itob(seq))
		return b, v != nil && json.Unmarshal(v, &b) == nil
	}
	c := atts.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		ar.Attachments++
		var a storedAttachment
		if err := json.Unmarshal(v, &a); err != nil || a.ID != string(k) || a.Owner == "" {
			problem("添付 %s を読み取れません", printable(k))
			continue
		}
		refs[a.Blob]++
		b, ok := blobOf(a.Blob)
		switch {
		case !ok:
			problem("添付 %s（%s）の内容 %d がありません", a.ID, a.Owner, a.Blob)
		case b.Size != a.Size || b.SHA256 != a.SHA256:
			problem("添付 %s（%s）の大きさまたは SHA-256 が内容 %d と一致しません", a.ID, a.Owner, a.Blob)
		}
	}

	// Blobs and their chunks, merged in sequence order.
	cc := chunks.Cursor()
	ck, cv := cc.First()
	orphan := func(k []byte) {
		if len(k) == 12 {
			problem("チャンク %d/%d はどの内容にも属していません", binary.BigEndian.Uint64(k), binary.BigEndian.Uint32(k[8:]))
		} else {
			problem("チャンクの鍵 %s が不正です", printable(k))
		}
	}
	bc := blobs.Cursor()
	for k, v := bc.First(); k != nil; k, v = bc.Next() {
		ar.Blobs++
		var b attachmentBlob
		if len(k) != 8 || json.Unmarshal(v, &b) != nil {
			problem("内容 %s を読み取れません", printable(k))
			continue
		}
		seq := btoi(k)
		// Chunks before this blob's first belong to no blob.
		for ; ck != nil && bytes.Compare(ck, chunkKey(seq, 0)) < 0; ck, cv = cc.Next() {
			orphan(ck)
		}
		h := sha256.New()
		var size int64
		n := 0
		for ; ck != nil && len(ck) == 12 && btoi(ck[:8]) == seq; ck, cv = cc.Next() {
			idx := int(binary.BigEndian.Uint32(ck[8:]))
			if idx >= b.Chunks {
				orphan(ck)
				continue
			}
			if idx != n {
				problem("内容 %d のチャンク %d がありません", seq, n)
				n = idx
			}
			if idx < b.Chunks-1 && len(cv) != b.ChunkSize {
				problem("内容 %d のチャンク %d の大きさが %d バイトです（期待 %d）", seq, idx, len(cv), b.ChunkSize)
			}
			h.Write(cv)
			size += int64(len(cv))
			ar.Chunks++
			n++
		}
		if n < b.Chunks {
			problem("内容 %d のチャンク %d がありません", seq, n)
		}
		ar.Bytes += size
		switch {
		case size != b.Size:
			problem("内容 %d の大きさが %d バイトです（記録は %d）", seq, size, b.Size)
		case hex.EncodeToString(h.Sum(nil)) != b.SHA256:
			problem("内容 %d の SHA-256 が記録と一致しません（データが壊れています）", seq)
		}
		if b.Refs != refs[seq] {
			problem("内容 %d の参照数が %d です（添付は %d 件）", seq, b.Refs, refs[seq])
		}
		if refs[seq] == 0 {
			problem("内容 %d を参照する添付がありません", seq)
		}
		sum, err := hex.DecodeString(b.SHA256)
		if err != nil || len(sum) != sha256.Size || !bytes.Equal(bySHA.Get(sum), k) {
			problem("内容 %d が SHA-256 の索引にありません", seq)
		}
	}
	for ; ck != nil; ck, _ = cc.Next() {
		orphan(ck)
	}

	// The SHA-256 index: every entry names a blob with that hash.
	sc := bySHA.Cursor()
	for k, v := sc.First(); k != nil; k, v = sc.Next() {
		b, ok := blobOf(btoi8(v))
		if len(v) != 8 || !ok || b.SHA256 != hex.EncodeToString(k) {
			problem("SHA-256 の索引 %x に対応する内容がありません", k)
		}
	}
	return ar
}

// btoi8 is btoi for a value that may not be 8 bytes (damaged files).
func btoi8(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return btoi(b)
}
