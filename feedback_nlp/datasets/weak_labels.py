"""Rule-based labels for real texts that come with sentiment labels only.

The public review sets say whether a review is positive or negative, not which fault
or service aspect it talks about. These reviewed rules give them default-taxonomy
fault types and aspects so the classifiers see real customer wording, not only the
generated demo text. They are deliberately conservative: a rule fires on a specific
phrase, a negated mention ("没有异响", "不是屏幕的问题") does not fire, and a text no
rule recognises keeps an *unknown* fault label unless its source says it cannot be
about a product fault. They are never used for evaluation: the real-text gold set is
labelled by hand (``training/gold``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Order matters only for the primary fault: the first code whose rule matches earliest
# in the text is primary (customers name their main problem first).
FAULT_RULES: dict[str, str] = {
    "safety": r"冒烟|起火|着火|火花|焦味|焦糊味|烧焦|漏电|电到手|麻手|触电|煤气味|燃气味|漏气|爆炸|自燃|安全隐患",
    "power": r"开不了机|无法开机|不能开机|开不开机|开机没反应|不通电|通不了电|自动关机|自动断电|突然断电|跳闸|电源板|"
    r"无故重启|自动重启|开不开",
    "display": r"花屏|黑屏|白屏|闪屏|屏幕.{0,4}(?:坏|闪|黑|亮点|暗|裂|碎|失灵|不亮|不显示|有问题|漏光)|坏点|亮点|竖线|横线|漏光|"
    r"触摸屏.{0,4}(?:失灵|不灵|不好用|没反应)|触屏.{0,4}(?:失灵|不灵|没反应)|显示屏.{0,4}(?:坏|闪|黑|不亮|模糊)|"
    r"中控屏|车机黑屏|屏幕发黄|偏色|漏液",
    "battery": r"电池.{0,6}(?:不耐用|不行|太差|差|鼓|坏|不经用|不够用|很快|太快)|续航.{0,4}(?:短|差|不行|太短|不够|缩水)|"
    r"掉电.{0,2}快|耗电.{0,2}(?:快|大|严重)|充不进|充不上电|无法充电|不能充电|充电.{0,4}(?:慢|坏|故障|不上|接触不良)|"
    r"待机时间.{0,4}(?:短|一般|不长|不够)|鼓包|电瓶.{0,4}(?:亏电|没电|坏)|亏电|动力电池",
    "noise": r"异响|噪音.{0,3}(?:大|很大|太大|明显|严重|吵)|噪声.{0,3}(?:大|很大|太大|明显)|声音.{0,3}(?:太大|很大|特别大|刺耳)|"
    r"嗡嗡|吱吱|咔咔|哒哒|咯噔|咚咚|嗡嗡响|响声.{0,3}大|有响声|抖动|共振|震动.{0,2}大|风扇.{0,4}(?:响|吵|声音大)|"
    r"啸叫|风噪|胎噪",
    "leak": r"漏水|渗水|滴水|漏油|渗油|漏氟|漏液体|进水|漏防冻液|防冻液.{0,4}(?:渗|漏|少)|机油.{0,4}(?:渗|漏)|烧机油",
    "temperature": r"不制冷|不制热|制冷.{0,3}(?:差|慢|不好|效果差|不行)|制热.{0,3}(?:差|慢|不好|效果差|不行)|忽冷忽热|结冰|"
    r"加氟|不加热|加热.{0,3}(?:慢|太慢|不行)|水温.{0,4}(?:不稳|不够|低|忽高忽低)|不出热水|热水.{0,4}(?:不够|不热|太少)|"
    r"发热.{0,3}(?:大|严重|量大|厉害|很大)|散热.{0,3}(?:差|不好|不行|一般)|烫手|温度.{0,3}(?:太高|很高|高)|"
    r"空调.{0,4}(?:不凉|不冷|不热|坏)",
    "software": r"死机|卡顿|很卡|太卡|有点卡|卡死|反应慢|反应太慢|闪退|蓝屏|重装系统|系统.{0,4}(?:问题|不稳定|慢|崩溃|卡|差)|"
    r"驱动.{0,4}(?:没有|不全|问题|装不上|找不到)|升级失败|更新失败|配网|连不上|联不上|wifi.{0,4}(?:断|连不|差|不稳)|"
    r"WIFI.{0,4}(?:断|连不|差|不稳)|蓝牙.{0,4}(?:断|连不|不稳)|信号.{0,3}(?:差|不好|弱|不稳)|没有信号|无信号|收不到短信|"
    r"软件.{0,4}(?:少|不兼容|问题|不好用)|APP.{0,4}(?:离线|连不|用不了)|车机.{0,4}(?:卡|死机|升级)|病毒|vista|Vista|VISTA",
    "function": r"按键.{0,4}(?:失灵|不灵|坏|松|没反应)|键盘.{0,4}(?:坏|失灵|不灵|松)|失灵|打不着火|无法启动|启动不了|"
    r"熄火|顿挫|换挡.{0,4}(?:卡|冲击|不顺)|变速箱.{0,6}(?:故障|问题|坏|冲击|异常)|刹车.{0,4}(?:失灵|软|异常|不灵)|"
    r"方向盘.{0,4}(?:卡|重|沉|故障)|助力.{0,3}(?:故障|失效)|故障灯|不排水|不脱水|不转|转不动|打不开|关不上|锁不上|"
    r"摄像头.{0,4}(?:坏|不行|模糊|打不开)|听筒.{0,4}(?:坏|小|没声)|声音.{0,2}(?:太小|很小|小)|没有声音|没声音|霉味|异味|"
    r"臭味|光驱.{0,4}(?:坏|不读|读不)|硬盘.{0,4}(?:坏|坏道|有问题)|触摸板.{0,4}(?:不灵|失灵|坏)|动力.{0,3}(?:不足|下降)|"
    r"加速无力|遥控器?.{0,4}(?:失灵|坏|不灵)|不出水|打不着|点不着|坏了|出故障|用不了|不能用",
    "appearance": r"划痕|划伤|磕碰|磕伤|凹陷|凹坑|掉漆|脱漆|生锈|锈迹|锈蚀|起皮|开裂|裂纹|裂痕|变形|发黄|掉色|色差|"
    r"做工.{0,3}(?:粗糙|差|一般|不好|不行)|缝隙.{0,3}(?:大|不均)|有缝|不平整|外壳.{0,4}(?:破|裂|坏|松)|破损|压坏|摔坏|"
    r"氧化|起泡|毛刺",
    "accessory": r"少了?.{0,3}(?:配件|附件|螺丝|说明书|充电器|数据线|耳机|电源线)|缺.{0,2}(?:配件|附件|说明书|零件)|"
    r"没有?.{0,2}(?:配|送|附带).{0,4}(?:充电器|数据线|耳机|说明书|发票|保修卡|鼠标|包)|漏发|少发|赠品.{0,4}(?:没|没有|未|少)|"
    r"配件.{0,4}(?:不符|不对|错)|发票.{0,3}(?:没|未|没有)",
    "installation": r"安装.{0,4}(?:不规范|不当|有问题|错误|不好|歪|不牢)|装歪|没装好|没有装好|没拧紧|没固定|装反|"
    r"安装位置.{0,3}(?:不对|不当)",
}

ASPECT_RULES: dict[str, str] = {
    "response": r"等了.{0,6}(?:天|小时|分钟|周|星期|个月)|迟迟|上门.{0,4}(?:慢|晚|迟到|及时|准时|很快)|迟到|"
    r"响应.{0,2}(?:慢|快|及时)|维修.{0,4}(?:太慢|很久|周期|时间长)|拖了|一拖再拖|效率",
    "attitude": r"态度|服务.{0,2}(?:好|差|周到|热情|很好|不错|一流|到位)|客服.{0,4}(?:好|差|耐心|不理|敷衍|热情|推诿)|"
    r"热情|耐心|礼貌|不耐烦|敷衍|推诿|推脱|爱理不理|服务员|前台|不予解决|不给解决",
    "professionalism": r"技术.{0,2}(?:差|不行|好|专业)|专业|修不好|没修好|维修.{0,4}(?:多次|几次|不彻底|无效|后.{0,3}还)|"
    r"反复维修|多次维修|返修|检测不出|查不出|误诊|师傅.{0,4}(?:水平|技术|不懂)",
    "cost": r"收费|费用|安装费|材料费|配件费|维修费|价格|性价比|贵|便宜|降价|价保|保价|保价|不给保修|不保修|保修期|"
    r"延保|退款|赔偿|多收|乱收费|划算|实惠|\d+元|\d+块",
    "parts": r"等配件|配件.{0,4}(?:没货|缺货|不到|短缺|等)|缺货|没有配件|零件.{0,4}(?:没货|缺)",
    "communication": r"回访|回电|回复|没人理|不理|联系不上|打不通|电话.{0,4}(?:没人接|不接|打不通)|承诺|答应|说好的|"
    r"解释|告知|通知|跟进|沟通|客服.{0,4}说",
    "logistics": r"物流|快递|送货|配送|发货|到货|收到货|送来|送到|送餐|外卖小哥|骑手|小哥|包装|运输|京东.{0,2}(?:送|快)|"
    r"速度.{0,2}快|送得|送的.{0,2}(?:快|慢)",
}

#: A mention preceded by one of these within a few characters is negated ("没有异响", "不是屏幕的问题").
# 非常 ("very") and 无故 ("for no reason") are not negations.
_NEGATION_BEFORE = re.compile(
    r"(?:没有|没|无(?!故|论|比)|不是|并非|并没有|未见|未发现|不存在|不会|也不|非(?!常))[^，。！？,.!?；;]{0,3}$"
)
# Terms that already carry their negation (不制冷) must not be suppressed by it.
_NEGATIVE_FORM = re.compile(r"^(?:不|无|没)")

_FAULT_RE = {code: re.compile(pattern) for code, pattern in FAULT_RULES.items()}
_ASPECT_RE = {code: re.compile(pattern) for code, pattern in ASPECT_RULES.items()}


def _first_affirmed(pattern: re.Pattern[str], text: str) -> int | None:
    """Position of the first match not negated by the words just before it."""
    for match in pattern.finditer(text):
        if not _NEGATIVE_FORM.match(match.group(0)) and _NEGATION_BEFORE.search(
            text[max(0, match.start() - 6) : match.start()]
        ):
            continue
        return match.start()
    return None


def rule_fault_types(text: str) -> list[str]:
    """Fault codes the rules find in ``text``, primary (earliest mention) first; ``[]`` when none."""
    hits = []
    for code, pattern in _FAULT_RE.items():
        position = _first_affirmed(pattern, text)
        if position is not None:
            hits.append((position, code))
    codes = [code for _, code in sorted(hits)]
    # A generic "坏了/用不了" adds nothing when a specific fault is named.
    if "function" in codes and len(codes) > 1 and not _specific_function(text):
        codes.remove("function")
    return codes


_GENERIC_FUNCTION = re.compile(r"坏了|出故障|用不了|不能用")


def _specific_function(text: str) -> bool:
    stripped = _GENERIC_FUNCTION.sub("", text)
    return _first_affirmed(_FAULT_RE["function"], stripped) is not None


def rule_aspects(text: str) -> list[str]:
    """Aspect codes the rules find in ``text``, whatever the polarity ("没有回访" is still communication)."""
    return [code for code, pattern in _ASPECT_RE.items() if pattern.search(text)]


def rule_labels(texts: Iterable[str]) -> tuple[list[list[str]], list[list[str]]]:
    """``(fault_types, aspects)`` for each text; an empty fault list means no rule fired."""
    faults, aspects = [], []
    for text in texts:
        faults.append(rule_fault_types(text))
        aspects.append(rule_aspects(text))
    return faults, aspects
