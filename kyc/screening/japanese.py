"""Japanese readings of the commonest name kanji, for names written in kanji.

A name in Chinese characters may be Chinese, Japanese or Korean; anyascii reads it in Mandarin
("山田太郎" -> "Shan Tian Tai Lang") where the person writes "Yamada Taro". This table gives
the Hepburn reading (long vowels unmarked, as in passports) of the most frequent Japanese
surnames and given names; a name is read this way only when every kanji is covered, and the
reading is offered as an alternative, never instead of the Mandarin one.
"""

from __future__ import annotations

import re

SURNAMES = {
    "佐藤": "sato", "鈴木": "suzuki", "高橋": "takahashi", "田中": "tanaka", "伊藤": "ito",
    "渡辺": "watanabe", "渡邊": "watanabe", "渡部": "watanabe", "山本": "yamamoto",
    "中村": "nakamura", "小林": "kobayashi", "加藤": "kato", "吉田": "yoshida", "山田": "yamada",
    "佐々木": "sasaki", "山口": "yamaguchi", "松本": "matsumoto", "井上": "inoue", "木村": "kimura",
    "林": "hayashi", "斎藤": "saito", "斉藤": "saito", "清水": "shimizu", "山崎": "yamazaki",
    "森": "mori", "池田": "ikeda", "橋本": "hashimoto", "阿部": "abe", "安倍": "abe",
    "石川": "ishikawa", "山下": "yamashita", "中島": "nakajima", "石井": "ishii", "小川": "ogawa",
    "前田": "maeda", "岡田": "okada", "長谷川": "hasegawa", "藤田": "fujita", "後藤": "goto",
    "近藤": "kondo", "村上": "murakami", "遠藤": "endo", "青木": "aoki", "坂本": "sakamoto",
    "福田": "fukuda", "太田": "ota", "西村": "nishimura", "藤井": "fujii", "金子": "kaneko",
    "岡本": "okamoto", "藤原": "fujiwara", "中野": "nakano", "三浦": "miura", "原田": "harada",
    "中川": "nakagawa", "松田": "matsuda", "竹内": "takeuchi", "小野": "ono", "田村": "tamura",
    "中山": "nakayama", "和田": "wada", "石田": "ishida", "森田": "morita", "上田": "ueda",
    "原": "hara", "内田": "uchida", "柴田": "shibata", "酒井": "sakai", "宮崎": "miyazaki",
    "横山": "yokoyama", "高木": "takagi", "安藤": "ando", "宮本": "miyamoto", "大野": "ono",
    "小島": "kojima", "谷口": "taniguchi", "今井": "imai", "工藤": "kudo", "高田": "takada",
    "増田": "masuda", "丸山": "maruyama", "杉山": "sugiyama", "村田": "murata", "大塚": "otsuka",
    "新井": "arai", "小山": "koyama", "平野": "hirano", "藤本": "fujimoto", "河野": "kono",
    "上野": "ueno", "野口": "noguchi", "武田": "takeda", "松井": "matsui", "千葉": "chiba",
    "岩崎": "iwasaki", "菅原": "sugawara", "木下": "kinoshita", "久保": "kubo", "佐野": "sano",
    "野村": "nomura", "松尾": "matsuo", "市川": "ichikawa", "菊地": "kikuchi", "杉本": "sugimoto",
    "古川": "furukawa", "大西": "onishi", "島田": "shimada", "水野": "mizuno", "桜井": "sakurai",
    "高野": "takano", "吉川": "yoshikawa", "山内": "yamauchi", "西田": "nishida", "飯田": "iida",
    "服部": "hattori", "岸田": "kishida", "石破": "ishiba", "菅": "suga", "高市": "takaichi",
    "麻生": "aso", "小泉": "koizumi", "鳩山": "hatoyama", "野田": "noda", "大橋": "ohashi",
}  # fmt: skip
GIVEN_NAMES = {
    "太郎": "taro", "次郎": "jiro", "一郎": "ichiro", "三郎": "saburo", "花子": "hanako",
    "健": "ken", "翔": "sho", "大輔": "daisuke", "誠": "makoto", "浩": "hiroshi", "博": "hiroshi",
    "茂": "shigeru", "晋三": "shinzo", "文雄": "fumio", "早苗": "sanae", "純一郎": "junichiro",
    "由紀夫": "yukio", "恵子": "keiko", "美穂": "miho", "直樹": "naoki", "拓也": "takuya",
    "健太": "kenta", "翔太": "shota", "陽子": "yoko", "裕子": "yuko", "優子": "yuko",
    "明美": "akemi", "真由美": "mayumi", "久美子": "kumiko", "愛": "ai", "学": "manabu",
    "隆": "takashi", "清": "kiyoshi", "勇": "isamu", "剛": "tsuyoshi", "修": "osamu",
    "正": "tadashi", "武": "takeshi", "豊": "yutaka", "進": "susumu", "実": "minoru",
    "和也": "kazuya", "達也": "tatsuya", "大樹": "daiki", "蓮": "ren", "陽翔": "haruto",
    "結衣": "yui", "陽菜": "hina", "義偉": "yoshihide", "秀樹": "hideki", "明": "akira",
    "洋子": "yoko", "幸子": "sachiko", "和子": "kazuko", "京子": "kyoko", "智子": "tomoko",
}  # fmt: skip
_READINGS = {**GIVEN_NAMES, **SURNAMES}
_LONGEST = max(len(k) for k in _READINGS)
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]+")


def japanese_reading(text: str) -> str | None:
    """The name read as Japanese ("山田太郎" -> "yamada taro"), None unless every kanji run
    splits into known surnames and given names."""
    runs = _KANJI.findall(text)
    if not runs:
        return None
    words: list[str] = []
    for run in runs:
        position = 0
        while position < len(run):
            for size in range(min(_LONGEST, len(run) - position), 0, -1):
                reading = _READINGS.get(run[position : position + size])
                if reading is not None:
                    words.append(reading)
                    position += size
                    break
            else:
                return None
    return " ".join(words)
