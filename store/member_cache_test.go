package store

import "testing"

// The member cache never answers with an account other than the stored
// one: a change is seen at once, and what a caller does to its copy stays
// with the caller.
func TestMemberCacheFollowsStore(t *testing.T) {
	db, _ := mustOpen(t)
	m, _, err := db.CreateTestMember(TestMemberSpec{Name: "医師 一郎", Password: "member-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.Member(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	first.Name = "書き換え"
	first.SharedPCs = append(first.SharedPCs, SharedPCGrant{Device: "受付PC"})
	again, err := db.Member(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Name != "医師 一郎" || len(again.SharedPCs) != 0 {
		t.Fatalf("a caller's change reached the cache: %+v", again)
	}
	if err := db.Update(func(tx *Tx) error {
		cur, err := memberTx(tx, m.ID)
		if err != nil {
			return err
		}
		cur.Status = MemberLocked
		cur.SharedPCs = []SharedPCGrant{{Device: "診察室PC"}}
		return putMemberTx(tx, cur)
	}); err != nil {
		t.Fatal(err)
	}
	after, err := db.Member(m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Active() || len(after.SharedPCs) != 1 || after.SharedPCs[0].Device != "診察室PC" {
		t.Fatalf("the change is not seen: %+v", after)
	}
	if _, err := db.Member("H999999"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unknown member: %v", err)
	}
}
