"""Label-free and service-aspect phrase banks for the labelled text generator.

Nothing in the label-free banks (openers, time expressions, connectors, emotions,
demands, closers, praise) may mention a fault: the generator derives fault labels
only from the fragments of :mod:`feedback_nlp.demo.phrases_faults`, so a fault word
here would leak an unlabelled fault into the training signal. Service fragments carry
their aspect codes (the dict key, plus ``#code,code`` at the end of a line for more).
Placeholders: ``{p}`` product noun, ``{m}`` model, ``{s}`` who serves (售后/4S店),
``{n}`` satisfaction score.
"""

from __future__ import annotations

__all__ = [
    "PRODUCT_NOUNS", "OPENERS", "TIMES", "MODEL_MENTIONS", "CONNECTORS", "EMPHASIS", "FREQUENCY",
    "EMOTIONS", "DEMANDS", "CLOSERS", "SERVICE_NEG", "SERVICE_POS", "HISTORY", "UNSPECIFIED",
    "PRAISE", "REVIEW_POS_CLOSERS", "REVIEW_NEUTRAL", "REVIEW_NEG_CLOSERS", "REVIEW_BUTS",
    "RESOLVED_FIXES", "FOLLOWUP_UNREACHED", "FOLLOWUP_PREFIXES", "FOLLOWUP_RESOLVED",
    "FOLLOWUP_UNRESOLVED", "FOLLOWUP_NONE", "ATTITUDE", "SCORE", "EMOJI", "TYPOS", "STORY", "REVIEW_STORY",
    "AGENT_NOTES",
]

PRODUCT_NOUNS: dict[str, tuple[str, ...]] = {
    "空调": ("空调", "这空调", "这台空调", "机器"),
    "冰箱": ("冰箱", "这冰箱", "这台冰箱"),
    "洗衣机": ("洗衣机", "这洗衣机", "滚筒"),
    "热水器": ("热水器", "这热水器"),
    "油烟机": ("油烟机", "烟机", "这油烟机"),
    "净水器": ("净水器", "这净水器", "机器"),
    "电视": ("电视", "这电视", "电视机"),
    "手机": ("手机", "这手机", "机子", "新手机"),
    "笔记本": ("电脑", "笔记本", "本子", "这电脑"),
    "扫地机器人": ("扫地机", "扫地机器人", "这扫地机"),
    "智能门锁": ("门锁", "指纹锁", "这锁"),
    "汽车": ("车", "这车", "新车", "爱车"),
    "平板": ("平板", "这平板", "pad"),
    "耳机": ("耳机", "这耳机"),
    "燃气灶": ("燃气灶", "灶", "这灶具"),
    "微波炉": ("微波炉", "这微波炉"),
}

OPENERS: dict[str, str] = {
    "any": """
        你好
        您好
        我要投诉
        我想投诉一下
        客服你好
        投诉
        实在忍不了了来投诉
        各位评评理
        本人
        说一下我遇到的情况
        麻烦处理一下
        第二次来投诉了
        大家好
        求助
        真的服了
        咋回事啊
        问一下
        反映个问题
        """,
    "car": """
        本人车主
        本人在4S店购买的车
        提车以后问题不断
        作为老车主说两句
        """,
}

TIMES: dict[str, str] = {
    "any": """
        买了才三个月
        用了不到一周
        去年双十一买的
        刚买一个月
        才用了半年
        到手第二天
        买回来没几天
        刚过保修期一个月
        618买的
        今年三月份买的
        用了一年多
        收到货第一天
        装好第三天
        刚用了两个礼拜
        买了还不到十天
        2022年买的
        春节前买的
        用了两年多了
        """,
    "car": """
        提车才两个月
        刚跑了三千公里
        新车开了不到一个月
        行驶了一万多公里
        刚过磨合期
        提车第二天
        去年提的车
        开了两年，四万公里
        """,
}

MODEL_MENTIONS = """
    买的{m}
    型号{m}
    型号是{m}
    {m}
    我买的这款{m}
    {p}型号{m}
    机型{m}
    """

CONNECTORS = """
    而且
    还有
    另外
    同时
    除此之外
    更离谱的是
    还有就是
    并且
    关键是
    """

EMPHASIS = """
    这都算了，最要命的是
    其他都能忍，主要是
    最主要的问题是
    最气人的是
    """

FREQUENCY = """
    不是偶尔，天天这样
    隔三差五就来一次
    一天好几次
    时好时坏
    已经第三次了
    反反复复
    越来越严重
    一开始还好，最近特别频繁
    """

EMOTIONS = """
    真的服了
    气死我了
    太坑了
    无语
    心累
    什么破质量
    太失望了
    烦死了
    这质量也太差了吧
    后悔死了
    简直了
    我也是醉了
    真的是无语了
    花了这么多钱买个这
    垃圾
    坑人
    """

DEMANDS = """
    要求退货
    要求换新
    给个说法
    希望厂家尽快处理
    要求退款
    不解决我就投诉到12315
    要求赔偿损失
    希望尽快解决
    要求换一台新的
    请厂家给个合理的解决方案
    希望能给延长保修
    要求厂家承担责任
    不换新就曝光
    赶紧派人来处理
    """

CLOSERS = """
    谢谢
    麻烦尽快回复
    等你们答复
    望重视
    就这样吧
    希望别再拖了
    别再踢皮球了
    """

SERVICE_NEG: dict[str, dict[str, str]] = {
    "response": {
        "any": """
            报修三天了都没人上门
            约好上午来，结果下午四点才到
            打了好几次电话才派单
            师傅说好今天来又放鸽子
            等了一个星期才有人来看
            修了半个月还没修好
            上门迟到两个小时，一句解释都没有
            报修以后就石沉大海了
            """,
        "car": """
            送到4S店一放就是半个月
            预约维修要排队等一周
            """,
    },
    "attitude": {
        "any": """
            客服态度很差，说两句就挂电话
            师傅态度恶劣，爱答不理的
            客服一直踢皮球
            售后说话很冲，好像是我求他们一样
            师傅进门鞋套都不穿，还嫌我家楼层高
            客服就会说抱歉，一点用没有
            打电话过去客服敷衍了事
            """,
        "car": """
            4S店服务顾问态度恶劣
            4s店说我自己操作不当，推卸责任
            """,
    },
    "professionalism": {
        "any": """
            师傅来了看了半天也没找出原因
            修了三次还是老样子
            师傅说是正常现象，根本不懂
            换了个零件就走了，结果问题还在
            师傅技术不行，越修越差
            维修完没两天又坏了
            师傅连工具都没带全
            """,
        "car": """
            4S店说是正常现象，不给处理
            4S店检查了一圈说查不出问题
            拆装以后问题更多了
            """,
    },
    "cost": {
        "any": """
            上门就收了80块检测费
            保修期内还要收费
            换个小零件要三百多
            收费不合理，明码标价都没有
            说好免费安装，结果又收了一堆材料费 #professionalism
            延保买了说不在保修范围
            师傅现场乱收费，还不给开票
            """,
        "car": """
            4S店说不在三包范围，要自费维修
            保养一次比别家贵一倍
            """,
    },
    "parts": {
        "any": """
            说没有配件要等半个月
            配件缺货一直拖着
            等配件等了二十多天
            配件到现在还没到
            说配件要从厂家调，遥遥无期
            """,
        "car": """
            4S店说配件缺货，要等一个月
            """,
    },
    "communication": {
        "any": """
            说好回电话结果再也没人联系
            问进度一问三不知
            答应三天内给答复，到现在都没消息
            客服每次都说在处理，就是没下文
            换了三个客服，每次都要从头说一遍
            承诺的补偿一直没兑现
            """,
        "car": """
            厂家客服说会协调，结果没有任何回复
            """,
    },
    "logistics": {
        "any": """
            物流慢得要死，等了一个星期
            快递送到楼下就不管了，不给送上楼
            快递员态度很差，东西扔门口就走 #attitude
            配送一拖再拖，说好的次日达
            外包装破了好几个洞
            送货师傅不给搬进屋，还要加钱 #cost
            """,
    },
}
"""Aspect → scope → negative service fragments (no fault words)."""

SERVICE_POS: dict[str, dict[str, str]] = {
    "response": {
        "any": """
            师傅当天就上门了
            报修第二天就有人来
            响应很快，半小时就回电话了
            师傅准时到的
            一个小时就上门了
            """,
    },
    "attitude": {
        "any": """
            师傅态度挺好的
            客服很耐心
            师傅很有礼貌，走的时候还把地拖了
            客服小姐姐态度很好
            """,
        "car": """
            4S店服务顾问很热情
            """,
    },
    "professionalism": {
        "any": """
            师傅很专业，十分钟就搞定
            师傅一看就知道是哪里的问题
            维修师傅技术不错
            安装师傅很专业
            修好以后一直没再出问题
            """,
    },
    "cost": {
        "any": """
            没收一分钱
            保修期内全免费
            收费很合理
            上门费也给免了
            """,
    },
    "parts": {
        "any": """
            配件第二天就到了
            配件现货，当场就换了
            """,
    },
    "communication": {
        "any": """
            客服每天都跟进进度
            修完还打电话来回访
            客服解释得很清楚
            """,
    },
    "logistics": {
        "any": """
            物流很快，隔天就到
            送货上门，还帮忙搬上楼
            包装很严实
            快递小哥很给力
            京东物流就是快
            """,
    },
}
"""Aspect → scope → positive service fragments (no fault words)."""

HISTORY: dict[str, str] = {
    "response": """
        第一次报修是上个月，等了四天师傅才来
        后来又报修了一次，又是等了一个礼拜
        """,
    "professionalism": """
        师傅来了说是小问题，弄了一下就走了，结果第二天又这样
        第二次来换了个板子，没用
        第三次师傅干脆说修不了
        """,
    "parts": """
        然后说要换配件，配件一等就是半个月
        配件到了换上以后还是不行
        """,
    "communication": """
        打客服电话说会有专人联系，一直没人联系我
        问了好几次处理进度，都说在走流程
        """,
    "cost": """
        每次上门都要收一次上门费
        最后还说过保了要自费
        """,
    "attitude": """
        找客服理论，客服还嫌我烦
        师傅临走还甩脸色
        """,
}
"""Aspect → story sentences used in long multi-sentence complaints."""

UNSPECIFIED = """
    之前报修的问题
    {p}有点问题
    我家{p}的事
    上次报的单子
    """

PRAISE: dict[str, str] = {
    "any": """
        质量不错
        颜值高
        很满意
        东西很好
        做工精细
        性价比高
        用着挺顺手的
        比实体店便宜
        值得购买
        外观大气
        家里人都说好
        用了一段时间了，没什么问题
        操作简单，老人也会用
        品牌值得信赖
        """,
    "appliance": """
        静音效果好
        很省电
        安装师傅很专业 #professionalism
        送货安装一条龙 #logistics
        放在家里很好看
        功能很全
        """,
    "空调": """
        制冷很快，几分钟就凉了
        晚上开着几乎听不到声音
        制热效果也好
        """,
    "冰箱": """
        容量大，放很多东西
        保鲜效果不错
        冷冻很快
        """,
    "洗衣机": """
        洗得很干净
        烘干很方便
        洗衣服声音很小
        """,
    "热水器": """
        热水来得快
        水温稳定
        """,
    "油烟机": """
        吸力很大，炒菜一点烟都没有
        很好清洗
        """,
    "净水器": """
        水很好喝
        出水快
        """,
    "电视": """
        画质清晰
        色彩很艳丽
        系统流畅
        """,
    "扫地机器人": """
        扫得很干净
        解放双手
        规划很聪明
        """,
    "智能门锁": """
        开锁很快
        再也不用带钥匙了
        """,
    "燃气灶": """
        火力很猛
        好清洁
        """,
    "微波炉": """
        加热很快
        热饭很方便
        """,
    "electronics": """
        运行流畅
        手感很好
        拍照清晰
        续航给力
        充电很快
        屏幕显示效果很棒
        系统很流畅
        轻薄，携带方便
        音质好
        """,
    "耳机": """
        降噪效果很好
        音质不错
        戴着很舒服
        连接稳定
        """,
    "笔记本": """
        开机很快
        键盘手感好
        散热不错
        """,
    "car": """
        动力很足
        油耗低
        空间大
        开起来很舒服
        外观霸气
        隔音不错
        4S店服务热情 #attitude
        """,
}
"""Product praise (no fault words); ``#aspect`` when the praise is of the service."""

REVIEW_POS_CLOSERS = """
    好评
    五星好评
    推荐购买
    下次还来
    值得入手
    满意
    给个好评
    赞
    👍
    非常满意，推荐
    """

REVIEW_NEUTRAL: dict[str, str] = {
    "any": """
        还行吧，一般般
        中规中矩
        刚收到，还没用，用了再来评价
        凑合用吧
        跟描述的差不多
        一般吧，没有想象中那么好
        这个价位也就这样了
        还可以
        先用用看吧
        东西收到了
        """,
    "consult_cost": """
        请问延保怎么买
        请问安装要收费吗
        想问下保修几年
        请问以旧换新怎么算钱
        """,
    "consult_logistics": """
        请问什么时候发货
        请问送货上门吗
        """,
    "consult_response": """
        请问安装师傅什么时候上门
        """,
    "consult_none": """
        请问这款有没有白色的
        请问这个型号和上一代有啥区别
        请问说明书在哪里下载
        """,
}
"""Neutral review bodies; ``consult_<aspect>`` keys carry that aspect (``none``: no aspect)."""

REVIEW_NEG_CLOSERS = """
    差评
    不推荐
    后悔买了
    再也不会买了
    大家慎重
    垃圾产品
    一星都不想给
    失望
    """

REVIEW_BUTS = """
    但是
    就是
    可惜
    可是
    结果
    没想到
    """

RESOLVED_FIXES = """
    后来{s}上门换了个零件就好了 #professionalism
    联系{s}以后很快就处理好了 #response
    报修以后师傅来修好了 #professionalism
    {s}给换了新的，现在正常了
    后来{s}上门处理了一下，现在没问题了 #professionalism
    找了{s}，第二天就给解决了 #response
    """
"""Sentences that say the fault was fixed (``#aspect`` as elsewhere)."""

FOLLOWUP_UNREACHED = """
    回访：电话无人接听
    电话回访，无人接听，稍后再联系
    多次致电客户未接通
    回访电话关机
    回访：客户电话为空号
    拨打三次均无人接听，已发短信
    回访：客户正忙，挂断电话，约明天再联系
    电话回访，提示暂时无法接通
    """

FOLLOWUP_PREFIXES = """
    回访：
    电话回访，
    回访记录：
    二次回访，
    售后回访：
    """

FOLLOWUP_RESOLVED = """
    客户表示{t}已经修好了
    客户称{t}已处理，使用正常
    客户反映维修后{p}使用正常
    客户表示师傅上门后{t}已解决
    客户确认{t}已经解决
    客户反馈换件后{p}恢复正常
    """

FOLLOWUP_UNRESOLVED = """
    客户反映维修后仍然{x}
    客户称{t}没有解决，还是{x}
    客户表示修完没几天又{x}
    客户反映{x}，问题仍未解决
    客户称换件以后还是{x}
    """

FOLLOWUP_NONE = """
    客户表示安装已完成
    客户咨询的问题已解答
    客户表示{p}使用正常
    客户对安装服务进行评价
    客户表示暂无问题
    """

ATTITUDE: dict[str, str] = {
    "positive": """
        客户表示满意
        客户非常满意
        客户对处理结果满意
        客户很满意，表示感谢
        """,
    "neutral": """
        客户表示一般
        客户觉得还行
        客户态度平和，无其他意见
        客户表示可以接受
        """,
    "negative": """
        客户仍不满意
        客户很不满意，要求退换
        客户情绪激动，要求投诉
        客户表示不满意，要求厂家给说法
        """,
}

SCORE = """
    评分{n}分
    满意度{n}分
    打{n}分
    给{n}分
    """

EMOJI = ("😡", "😤", "🙄", "😭", "💢", "😓", "🤬")

TYPOS: tuple[tuple[str, str], ...] = (
    ("已经", "以经"), ("安装", "按装"), ("噪音", "噪间"), ("再", "在"), ("得", "的"),
    ("怎么回事", "咋回事"), ("什么", "啥"), ("一直", "老是"), ("非常", "贼"), ("特别", "特"),
    ("厉害", "利害"), ("师傅", "师父"), ("反应", "反映"), ("现在", "现再"), ("做工", "作工"),
)
"""(standard, noisy) pairs: homophone typos and colloquial swaps, applied once per text."""

STORY: dict[str, str] = {
    "any": """
        买之前还特意对比了好几家，就是看中了品牌和口碑
        当初销售信誓旦旦地说质量绝对没问题
        这已经是我家第三台这个牌子的东西了，一直挺信任的
        朋友推荐买的，现在都不好意思跟朋友说
        网上一搜好多人都遇到一样的情况，说明根本不是个例
        我把视频都拍下来了，随时可以提供
        发票、购买记录都在，保修卡也填了
        家里老人一个人在家，也不会弄这些
        本来是给父母买的，想让他们用得省心点，结果反倒添堵
        我们是上班族，白天都不在家
        前前后后打了不下十个电话 #communication
        每次打电话都要重新描述一遍，客服记录都不看的吗 #communication
        中间还专门请了半天假在家等师傅，结果人没来 #response
        第一次上门检查完说要返厂，返厂一去就是二十天 #response,professionalism
        后来又说是我们使用不当，可说明书上根本没写 #professionalism
        上门的师傅一会儿说这个一会儿说那个，说法都不统一 #professionalism
        在网上留言也没人回复 #communication
        这么大的品牌，售后就这个水平
        """,
    "car": """
        车是按揭买的，每个月还着贷款，车却老得往店里跑
        在4S店做的首保，保养记录都是全的
        去了4S店好几趟，每次都说再观察观察 #professionalism
        4S店让我先把车放那，一放就是一个礼拜，代步车也不给 #response
        同批次的车友群里好几个都是这样
        厂家的400电话打了，说会反馈给区域，就没有然后了 #communication
        """,
}
"""Narrative sentences for long complaints (``#aspect`` where they talk about service)."""

REVIEW_STORY = """
    纠结了很久选哪个，最后选了这款，没让我失望
    用了一个多月才来评价
    家里老人也很喜欢
    之前那台用了十年了，这次换新
    对比了好几家，这家价格最合适
    活动价买的，很划算
    第二次购买了，一直用这个牌子
    """
"""Label-free story sentences that lengthen positive reviews."""

AGENT_NOTES = """
    已记录客户意见
    已致歉并安抚客户情绪
    已登记
    客户无其他诉求
    已告知客户保修政策
    """
"""Label-free closing remarks of agents in follow-up notes."""
