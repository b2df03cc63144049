"""normalise() and mask_personal_data()."""

from __future__ import annotations

import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import feedback_nlp.text
from feedback_nlp.errors import ConfigError
from feedback_nlp.text import mask_personal_data, normalise


def test_all_is_sorted_and_resolves() -> None:
    assert feedback_nlp.text.__all__ == sorted(feedback_nlp.text.__all__)
    for name in feedback_nlp.text.__all__:
        assert hasattr(feedback_nlp.text, name), name


def test_import_loads_no_jieba(tmp_path: Path) -> None:
    code = "import sys, feedback_nlp.text; print('jieba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("臺灣的電腦螢幕閃爍，請幫忙處理", "台湾的电脑萤幕闪烁,请帮忙处理"),
        ("空調不製冷，壓縮機異響", "空调不制冷,压缩机异响"),
        ("已经是简体的文本", "已经是简体的文本"),
    ],
)
def test_traditional_to_simplified(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_opencc_config_is_used() -> None:
    assert normalise("軟體", opencc_config="tw2sp") == "软件"
    assert normalise("軟體") == "软体"


def test_unknown_opencc_config() -> None:
    with pytest.raises(ConfigError, match="no-such-config"):
        normalise("文本", opencc_config="no-such-config")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣｘｙｚ１２３", "ABCxyz123"),
        ("显示Ｅ２１，怎么办？！", "显示E21,怎么办?!"),
        ("（型号：ＫＦＲ－３５ＧＷ）", "(型号:KFR-35GW)"),
        ("空调\u3000不制冷", "空调 不制冷"),
        ("。、「」", "。、「」"),  # CJK punctuation outside the ASCII range stays
    ],
)
def test_full_width_to_half_width(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("很好😀👍🏻", "很好"),
        ("❤️垃圾🤬🤬", "垃圾"),
        ("🇨🇳国货⭐⭐⭐", "国货"),
        ("家里👨\u200d👩\u200d👧一起用", "家里一起用"),
        ("1️⃣漏水", "1漏水"),
        ("空\u200b调\u200c不\u200d制\ufeff冷\ufe0f", "空调不制冷"),
        ("控制\x00字符\x07\x1b和\x7f删除\u0085", "控制字符和删除"),
        ("软\u00ad连\u2060字", "软连字"),
    ],
)
def test_emoji_zero_width_and_controls_removed(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  空调\t\t不制冷 \n\n 外机  ", "空调 不制冷 外机"),
        ("第一行\r\n第二行", "第一行 第二行"),
        ("\u00a0不间断\u2003空格\u3000\u3000", "不间断 空格"),
        ("   ", ""),
        ("", ""),
        ("😀 \u200b 😀", ""),
    ],
)
def test_whitespace_collapsed_and_stripped(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_case_is_kept() -> None:
    assert normalise("型号KFR-35GW/BpR3DPA1, app离线") == "型号KFR-35GW/BpR3DPA1, app离线"


@pytest.mark.parametrize("value", [None, math.nan, 12, b"bytes"])
def test_non_str_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="expects a str"):
        normalise(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expects a str"):
        mask_personal_data(value)  # type: ignore[arg-type]


def test_threads_give_the_serial_result() -> None:
    texts = [f"臺灣的電腦第{i}號，ＡＢＣ😀  空調" for i in range(400)]
    serial = [normalise(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(normalise, texts)) == serial


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("电话13812345678联系我", "电话[手机号]联系我"),
        ("手机:138-1234-5678", "手机:[手机号]"),
        ("打138 1234 5678找我", "打[手机号]找我"),
        ("+86 13812345678", "[手机号]"),
        ("+86-138-1234-5678", "[手机号]"),
        ("008613912345678", "[手机号]"),
        ("电话：１３８１２３４５６７８", "电话：[手机号]"),
        ("座机010-12345678", "座机[电话]"),
        ("0755 8888 8888转", "[电话]转"),
        ("(021)6123456", "[电话]"),
        ("打400-123-4567没人接", "打[电话]没人接"),
        ("热线4008-123-456", "热线[电话]"),
        ("800 820 8820", "[电话]"),
        ("身份证110101199003077777", "身份证[身份证号]"),
        ("证件号11010519491231002X。", "证件号[身份证号]。"),
        ("11010519491231002x", "[身份证号]"),
        ("老身份证110101900307777", "老身份证[身份证号]"),
        ("邮箱zhang.san@qq.com谢谢", "邮箱[邮箱]谢谢"),
        ("发到 service-1@mail.example.com.cn", "发到 [邮箱]"),
        ("车牌京A12345", "车牌[车牌号]"),
        ("粤B·D12345进店", "[车牌号]进店"),
        ("沪AD12345", "[车牌号]"),
        ("苏E 12345的车", "[车牌号]的车"),
        ("浙a12345", "[车牌号]"),
        ("粤Z1234港", "[车牌号]"),
        ("电话13812345678，邮箱a@b.cn，车牌川A88888", "电话[手机号]，邮箱[邮箱]，车牌[车牌号]"),
    ],
)
def test_personal_data_is_masked(raw: str, expected: str) -> None:
    assert mask_personal_data(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单号12345678901234567890",
        "订单号123456789012345678901",
        "序列号2024050612345678",
        "型号TG100V88WMUIADY5",
        "型号KFR-35GW/BpR3DPA1",
        "价格3999元,维修费1380.00元",
        "2024-05-06上门",
        "2024年5月6日13点到",
        "显示E21故障码",
        "新MacBook屏幕花屏",
        "138123456789",
        "1381234567",
        "用了13812345小时",
        "温度设60度,开到16度",
        "SN: 1234567890",
    ],
)
def test_other_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_data(text) == text
