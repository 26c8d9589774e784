package store

import "testing"

// The caches never answer with a record other than the stored
// one: a change is seen at once, and what a caller does to its copy stays
// with the caller.
func TestDecodedCacheFollowsStore(t *testing.T) {
	db, _ := mustOpen(t)
	m, fa, err := db.CreateTestMember(TestMemberSpec{Name: "医師 一郎", Password: "member-Pass-2345"})
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

	f, err := db.Facility(fa.OID)
	if err != nil {
		t.Fatal(err)
	}
	f.Departments = append(f.Departments, "書き換え科")
	if again, _ := db.Facility(fa.OID); len(again.Departments) != len(fa.Departments) {
		t.Fatalf("a caller's change reached the facility cache: %v", again.Departments)
	}
	if err := db.Update(func(tx *Tx) error {
		cur, err := facilityTx(tx, fa.OID)
		if err != nil {
			return err
		}
		cur.Name, cur.Departments = "改称クリニック", []string{"内科"}
		return putFacilityTx(tx, cur)
	}); err != nil {
		t.Fatal(err)
	}
	if after, err := db.Facility(fa.OID); err != nil || after.Name != "改称クリニック" || len(after.Departments) != 1 {
		t.Fatalf("the facility's change is not seen: %+v %v", after, err)
	}
}
