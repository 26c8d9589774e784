package pdf

import "strings"

var longAddress = "東京都千代田区神田駿河台二丁目五番地 " + strings.Repeat("ほっとライン医療連携センター第一ビルディング別館", 4) + "西棟十二階一二〇三号室（受付は一階総合案内をご利用ください）"

func sampleOperator() Operator {
	return Operator{
		SiteName:     "ほっとライン",
		Organisation: "〇〇区医師会",
		Department:   "広報・医療情報課　ほっとライン係",
		Postal:       "101-8328",
		Address:      "東京都千代田区神田駿河台2丁目5番地",
		Phone:        "03-3294-8821",
		Email:        "hotline@example.jp",
		PortalURL:    "https://hotline.example.jp/",
	}
}

func sampleMemberForm() ApplicationMemberForm {
	return ApplicationMemberForm{
		Operator:      sampleOperator(),
		Number:        "A20251125-0042",
		AppliedOn:     "令和7年11月25日",
		Name:          "髙﨑 " + strings.Repeat("長谷川勘解由小路", 6) + "太郎左衛門",
		NameKana:      "タカサキ " + strings.Repeat("ハセガワカデノコウジ", 5) + "タロウザエモン",
		Qualification: "医師",
		LicenseNumber: "第123456号",
		Email:         "takasaki.taro-zaemon@clinic.example.jp",
		Phone:         "03-1234-5678",
		FacilityOID:   "",
		FacilityName:  "医療法人社団" + strings.Repeat("すこやか会", 8) + "髙﨑内科・小児科クリニック（" + longAddress + "）",
	}
}

func sampleFacilityForm() ApplicationFacilityForm {
	return ApplicationFacilityForm{
		Operator:      sampleOperator(),
		Number:        "A20251125-0042",
		AppliedOn:     "令和7年11月25日",
		FacilityName:  "医療法人社団" + strings.Repeat("すこやか会", 8) + "髙﨑内科・小児科クリニック",
		FacilityKind:  "診療所",
		FacilityCode:  "1312345678",
		Postal:        "101-0062",
		Address:       longAddress,
		Phone:         "03-1234-5678",
		ApplicantName: "髙﨑 太郎",
	}
}

func sampleStartGuide() StartGuide {
	return StartGuide{
		Operator:     sampleOperator(),
		IssuedOn:     "令和7年11月28日",
		Name:         "髙﨑 " + strings.Repeat("長谷川勘解由小路", 6) + "太郎左衛門",
		FacilityName: "医療法人社団" + strings.Repeat("すこやか会", 8) + "髙﨑内科・小児科クリニック",
		Postal:       "100-0001",
		Address:      longAddress,
		MemberID:     "H000123",
		Password:     "K7MP-Q2WX-9ZRT-B3CD",
	}
}

func sampleFacilityInfo() FacilityInfo {
	return FacilityInfo{
		Operator:     sampleOperator(),
		IssuedOn:     "令和7年11月28日",
		FacilityName: "医療法人社団" + strings.Repeat("すこやか会", 8) + "髙﨑内科・小児科クリニック（" + longAddress + "）",
		Postal:       "100-0001",
		Address:      longAddress,
		FacilityID:   "F000045",
		Password:     "F8VT-3NLP-5SHJ-WQ2E",
	}
}

func sampleAccessCard() PatientAccessCard {
	return PatientAccessCard{
		Operator:      sampleOperator(),
		IssuedOn:      "令和7年11月30日",
		PatientName:   "髙﨑 " + strings.Repeat("長谷川勘解由小路", 6) + "花子",
		PatientID:     "P7K3M9Q2X4W8Z6R5",
		AccessCode:    "5829-4417-0063",
		FacilityName:  "医療法人社団" + strings.Repeat("すこやか会", 8) + "髙﨑内科・小児科クリニック",
		FacilityPhone: "03-1234-5678",
		PatientURL:    "https://hotline.example.jp/patient/login",
	}
}
