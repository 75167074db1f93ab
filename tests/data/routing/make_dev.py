"""Build the bilingual routing development set (dev.csv, train.csv, test.csv).

Run:  python tests/data/routing/make_dev.py        (any Python >= 3.9, stdlib only)

Every row is composed from a hand-written *core* sentence (one per row, never
re-used, so no core phrase is shared between train.csv and test.csv) plus
randomly drawn noise: place names, times, numbers, person names, openers in the
voice of a resident / hotline operator / grid member, emotional tails and
occasional typos.  The random generator is seeded, so the script reproduces the
three files byte for byte.  The department of each row is the primary
department of its category, read from the dispatch catalog (categories.csv).

Columns: dev.csv = text,department,category,lang   train/test.csv = text,department
The train/test split is ~70/30, stratified by category (and balanced by
language inside each category).
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

SEED = 20261204
HERE = Path(__file__).resolve().parent
CATALOG = HERE.parents[2] / "services" / "dispatch" / "dispatch" / "catalog" / "categories.csv"
TEST_SHARE = 0.3

# --------------------------------------------------------------------------
# slot fillers
# --------------------------------------------------------------------------
ZH_PLACES = [
    "幸福村3组", "东风路", "和平小区7栋", "老街菜市场旁边", "镇政府对面", "新民村村口",
    "中心小学后门", "滨河路", "石桥村", "桃源社区", "工业园二期", "杨庄", "建设路和人民路交叉口",
    "刘家湾", "南门小区", "18号楼", "青山村五组", "汽车站附近", "粮站后面", "卫生院旁边",
    "金桂苑", "河西组", "红星村", "老供销社那边", "二中对面", "翠竹园小区", "陈家坝", "花园街",
    "长寿路", "农贸市场", "上湾村", "文化广场", "锦绣家园3单元", "老水厂", "张湾村六组",
]
EN_PLACES = [
    "Xinmin Rd", "Heping Community bldg 7", "Group 3 of Xingfu village", "Dongfeng Road",
    "the old market", "behind the central primary school", "Taoyuan community", "Shiqiao village",
    "the bus station", "industrial park phase 2", "Riverside Road", "Yangzhuang", "Block 18",
    "Liujiawan", "Nanmen estate", "Qingshan village group 5", "the old grain station",
    "Jingui Garden", "Hongxing village", "Huayuan St", "Changshou Road", "the farmers market",
    "Shangwan village", "Culture Square", "Jinxiu Homes unit 3", "Zhangwan village", "Chenjiaba",
    "Cuizhu Garden", "the old waterworks", "No. 2 Middle School", "Hexi group",
]
ZH_TIMES = [
    "昨天晚上", "今天一早", "这两天", "上个星期", "最近一个月", "从前天开始", "半夜", "每天晚上",
    "刚才", "今天下午", "这几天", "周末", "前几天", "一直",
]
EN_TIMES = [
    "last night", "this morning", "for two days now", "since last week", "every night", "just now",
    "since Monday", "for about a month", "this afternoon", "over the weekend", "a few days ago",
    "yesterday", "all week",
]
ZH_WHO = ["张大爷", "李奶奶", "王阿姨", "老刘", "赵师傅", "陈大姐", "孙老汉", "周婶", "吴老师", "郑大哥", "小杨"]
EN_WHO = ["Mr Zhang", "Granny Li", "Auntie Wang", "old Liu", "Mrs Chen", "Mr Sun", "Uncle Zhou",
          "Ms Wu", "old Zheng", "Xiao Yang"]
ZH_NUM = ["2", "3", "4", "5", "6", "7", "两", "三", "四", "五", "六", "八"]
EN_NUM = ["2", "3", "4", "5", "6", "7", "8", "two", "three", "five"]
ZH_MONEY = ["3000块", "5000元", "八千", "1万2", "两万多", "4.5万", "6800块", "一万"]
EN_MONEY = ["3000", "5,000", "8000", "12,000", "20k", "45,000", "6800", "10k"]

# openers / tails.  "first" = sentences written by the resident themself,
# "third" = anyone (hotline operator, grid member, resident about someone else)
ZH_OPEN_FIRST = ["", "", "", "", "你好，", "您好，", "喂 ", "求助！", "网格员你好，", "在吗？", "领导好，"]
ZH_OPEN_Q = ["", "", "", "你好，", "您好，", "请问一下，", "麻烦问下 ", "网格员你好，", "在吗？", "咨询一下，"]
ZH_OPEN_Q_THIRD = ["来电咨询：", "村民咨询", "群众来电询问", "居民问："]
ZH_OPEN_THIRD = ZH_OPEN_FIRST + ["巡查发现", "网格员巡查发现：", "群众反映：", "村民来电：", "12345转办：",
                                 "【网格上报】", "居民反映", "入户走访时了解到，", "热线来电称", "村民微信反映，",
                                 "来电人称", "走访发现"]
ZH_TAIL = ["", "", "", "", "。", "，麻烦尽快处理", "，请尽快派人来看看", "！！！", "，谁来管管啊", "，谢谢",
           "，急", "。拜托了", "，实在受不了了", "。", "…", "，希望政府重视"]
ZH_TAIL_Q = ["", "", "？", "?", "，谢谢", "，麻烦告知一下", "？？", "。谢谢了"]
EN_OPEN_FIRST = ["", "", "", "", "Hi, ", "Hello ", "hi there, ", "Please help, ", "Complaint: ",
                 "Good morning, ", "hey ", "Urgent - "]
EN_OPEN_THIRD = EN_OPEN_FIRST + ["Caller reports ", "Caller states ", "Patrol found ", "Grid member note: ",
                                 "Hotline summary - ", "Resident reports ", "Field visit: ",
                                 "Villager called to say ", "Caller says ", "Grid patrol: ",
                                 "WeChat message from resident: "]
EN_OPEN_Q = ["", "", "", "Hi, ", "Hello ", "hi there, ", "Quick question - ", "Good morning, ", "hey "]
EN_OPEN_Q_THIRD = ["Caller asks ", "Resident asks: ", "Enquiry: ", "Caller wants to know "]
EN_WHEN = ["last night", "this morning", "yesterday", "a few days ago", "over the weekend", "this afternoon"]
EN_TAIL = ["", "", "", "", ".", ". Please send someone", ", please fix asap", "!!", ". Thanks",
           ". This is ridiculous", ". Nobody is doing anything", "...", "!", ". thx"]
EN_TAIL_Q = ["", "", "?", "??", ", thanks", ". Thanks in advance", "? pls advise"]

ZH_TYPOS = [("垃圾", "拉圾"), ("已经", "以经"), ("反映", "反应"), ("在", "再"), ("的", "地"),
            ("厉害", "利害"), ("那里", "哪里"), ("一直", "一只"), ("没有", "没又"), ("怎么", "咋")]

# --------------------------------------------------------------------------
# hand-written core sentences: code -> (chinese cores, english cores)
# slots: {p} place  {t} time  {n} number  {m} money  {who} a person
# --------------------------------------------------------------------------
CORES: dict[str, tuple[list[str], list[str]]] = {
    "C01": ([
        "{p}的垃圾桶满了好几天没人清，臭死了",
        "{p}路边垃圾堆成小山，苍蝇蚊子到处飞",
        "垃圾车{t}都没来收，门口垃圾袋堆了一地",
        "{p}垃圾池溢出来了，野狗在里面翻",
        "村里的垃圾{n}天没拉走了，天热全是味",
        "{p}有人把生活垃圾直接倒在空地上，没人清理",
        "小区垃圾房没人管，垃圾漫到路上了",
        "{p}垃圾箱周围全是烂菜叶和外卖盒",
        "保洁{t}没来过，{p}路口垃圾乱扔一大片",
    ], [
        "garbage bins at {p} are overflowing, nobody has emptied them for {n} days",
        "huge pile of trash by the roadside at {p}, smells terrible and flies everywhere",
        "the rubbish truck hasn't come {t}, bags piling up outside our building",
        "trash collection point at {p} is full and stray dogs are tearing the bags open",
        "someone dumped household waste on the empty lot at {p} and no one cleaned it up",
        "garbage not collected in our village for {n} days, stinks in this heat",
        "overflowing dumpster near {p}, rubbish spilling onto the road",
        "litter and food waste scattered around the bins at {p}, cleaners havent been by {t}",
        "exposed garbage heap at {p} right next to the houses, rats seen",
    ]),
    "C02": ([
        "{p}楼道里堆满了纸箱和旧家具，人都过不去",
        "有人在{p}路边堆了一大堆沙子和砖头，占了半边路",
        "{p}人行道上堆着钢管和模板，{t}一直没挪走",
        "邻居把收来的废品堆在公共过道上",
        "{p}空地被人堆满了木料，晚上黑乎乎的容易绊倒",
        "门口被人堆了水泥袋和石子，车开不进来",
        "巷子里堆了好多破烂，收废品的占着不走",
        "{who}家把柴火堆在路中间，说了也不听",
        "单元门口堆了装修材料{n}个多星期了",
    ], [
        "the stairwell at {p} is full of cardboard boxes and old furniture, can't get through",
        "someone piled sand and bricks on the road at {p}, blocking half the lane",
        "steel pipes and formwork left on the sidewalk at {p} {t}",
        "a scrap collector keeps stacking junk in the shared hallway",
        "building materials dumped in front of unit 2 for weeks, cars cant get in",
        "{who} stacks firewood in the middle of the village lane and ignores everyone",
        "cement bags and gravel piled outside our gate, blocking access",
        "the alley at {p} is crammed with scrap and old appliances",
        "timber piled on the open ground at {p}, people trip over it at night",
    ]),
    "C03": ([
        "{p}有户人家在楼顶加盖了一层，没看到有手续",
        "邻居在院子外面搭彩钢棚，占了公共通道",
        "{t}有人在{p}偷偷砌墙盖房子，晚上都在施工",
        "一楼住户把阳台往外扩建了两米，违建",
        "{p}绿化带被人圈起来建了个小屋",
        "有人在河边私搭乱建了一排棚子",
        "隔壁装修把墙打了还往外接了个房间",
        "{who}家在自家门口违章搭建车库，挡住了别人的路",
        "小区里有人把楼顶圈起来盖阳光房",
    ], [
        "a household at {p} added an extra floor on the roof, no permit as far as I know",
        "neighbour built a steel shed outside his yard, taking over the public path",
        "people are putting up an unauthorised building at {p}, they work at night to avoid inspection",
        "ground floor resident extended the balcony two metres out, clearly illegal",
        "someone fenced off the green belt at {p} and built a hut on it",
        "a row of illegal shacks has gone up along the river bank",
        "{who} is building a garage in front of his door without approval, it blocks the lane",
        "rooftop enclosure being built at {p}, looks like an unapproved sunroom",
        "illegal structure going up at {p} {t}, bricks and cement already there",
    ]),
    "C04": ([
        "{p}早市摊贩把路全占了，车根本过不去",
        "{t}{p}路口好多流动小贩摆摊，堵得不行",
        "烧烤摊占了人行道，晚上人都没法走",
        "学校门口卖小吃的三轮车天天占道",
        "{p}水果摊把货摆到马路中间了",
        "夜市摊位越摆越出来，占了半条街",
        "有人在{p}公交站台前面摆地摊卖衣服",
        "卖菜的在小区门口占道经营，出入很不方便",
        "{p}门面把桌子摆到外面做生意，人只能走机动车道",
    ], [
        "vendors at the morning market on {p} take over the whole street, cars can't pass",
        "lots of hawkers setting up stalls at the {p} junction {t}",
        "BBQ stall occupies the sidewalk every evening",
        "snack carts block the road outside the school gate daily",
        "fruit seller at {p} has his goods out in the middle of the road",
        "night market stalls keep spreading, half the street is gone",
        "someone selling clothes on a mat right in front of the bus stop at {p}",
        "street vendors selling vegetables at our estate gate, hard to get in and out",
        "shop at {p} puts tables outside and does business on the pavement, pedestrians forced onto the road",
    ]),
    "C05": ([
        "{p}电线杆上全是办证刻章的小广告",
        "楼道墙上被贴满了开锁、通下水道的广告",
        "有人往每家门缝里塞贷款传单",
        "{p}墙上喷了好多电话号码，刚刷的墙又脏了",
        "小区电梯里贴满了牛皮癣广告，撕了又贴",
        "{t}有人在{p}到处发小卡片，扔得满地都是",
        "公交站牌被贴满了招聘和租房的小纸条",
        "车窗上被夹了小广告，一整排车都有",
        "{p}新装的配电箱上又被喷了办证号码",
    ], [
        "utility poles at {p} covered in fake ID and certificate ads",
        "our stairwell walls are plastered with locksmith and drain unblocking stickers",
        "someone keeps stuffing loan flyers under every door",
        "phone numbers spray painted all over the wall at {p}, it was just repainted",
        "elevator full of small ads again, they come back as soon as we peel them off",
        "guys handing out cards at {p} {t}, they end up all over the ground",
        "the bus stop sign is covered with job and rental notes",
        "ad cards stuck on every car windscreen in the row",
        "illegal posters glued on the new electrical box at {p}",
    ]),
    "C06": ([
        "{p}一家店的招牌松了，风一吹晃得厉害，怕砸到人",
        "路边广告牌歪了，下面就是人行道",
        "{t}大风把{p}的广告灯箱吹坏了，挂在半空",
        "商场外墙的广告布被刮破了，一直在甩",
        "{p}理发店门头招牌掉了一半",
        "楼顶的大字招牌有个字快掉下来了",
        "户外广告架锈得很厉害，螺丝都没了",
        "{p}店铺招牌的玻璃碎了，随时会掉",
        "门头灯箱电线露在外面，招牌也裂开了",
    ], [
        "a shop sign at {p} is loose and swinging in the wind, could fall on someone",
        "billboard by the road is tilting badly, right above the footpath",
        "strong wind {t} broke the lightbox at {p}, it's hanging in mid-air",
        "advertising banner on the mall wall is torn and flapping",
        "half of the barber's shopfront sign at {p} has come off",
        "one of the big rooftop letters is about to fall down",
        "outdoor billboard frame badly rusted, bolts missing",
        "the glass of a store signboard at {p} is cracked and might drop any moment",
        "shop sign partly came down {t}, wires hanging out",
    ]),
    "C07": ([
        "渣土车一路掉泥，{p}整条路都是土",
        "{p}工地没盖防尘网，灰大得窗户都不敢开",
        "工地车辆不冲洗就上路，路上全是泥巴印",
        "{t}拉土的大车撒了一路石子，摩托车差点滑倒",
        "{p}拆迁工地扬尘严重，{who}咳嗽好几天了",
        "工地晚上偷偷拉渣土，车斗也不盖",
        "搅拌站的灰飘到我们村，菜叶上全是白灰",
        "{p}施工没洒水，一刮风漫天黄土",
        "泥头车把建筑垃圾掉在路上没人管",
    ], [
        "muck trucks dropping mud all along {p}, the whole road is covered in dirt",
        "construction site at {p} has no dust net, we can't open our windows",
        "site vehicles go onto the road without washing, mud tracks everywhere",
        "a dirt truck spilled gravel along the road {t}, scooters nearly slipping",
        "demolition at {p} is making so much dust that {who} has been coughing for days",
        "trucks hauling spoil at night with uncovered loads",
        "dust from the concrete mixing plant blows into our village, white powder on the vegetables",
        "no water spraying at the building site on {p}, clouds of dust whenever it's windy",
        "construction waste falling off trucks onto the road and nobody cleans it",
    ]),
    "C08": ([
        "{p}的路灯坏了{n}盏，晚上黑漆漆的",
        "{t}小区门口路灯一直不亮，老人晚上不敢出门",
        "村里新装的太阳能路灯没用几天就不亮了",
        "{p}那段路灯一闪一闪的，时亮时不亮",
        "路灯白天亮着晚上反而灭了",
        "{p}桥上的灯全黑了，走路看不见",
        "巷子里唯一的路灯灭了，晚上有人摔跤",
        "路灯杆被车撞歪了，灯也不亮",
        "从村口到学校那一截一盏灯都不亮",
    ], [
        "{n} streetlights out on {p}, pitch dark at night",
        "the light at our estate gate hasn't worked {t}, old folks afraid to go out in the evening",
        "new solar street lamps in the village stopped working after a few days",
        "street lamps along {p} keep flickering on and off",
        "street lights on during the day and off at night, timer must be broken",
        "all the lamps on the bridge at {p} are dark, can't see where you walk",
        "the only lamp in our alley is out and someone fell",
        "a lamp post got hit by a car and is bent, light not working",
        "road from the village entrance to the school has no working lights at all",
    ]),
    "C09": ([
        "{p}有个井盖不见了，黑洞洞的很危险",
        "井盖碎了一半，小孩放学都从这过",
        "{t}{p}路口的下水道盖子被偷了",
        "人行道上的井盖松动，一踩就翻",
        "{p}雨水井盖塌下去了，车压过去咚咚响",
        "小区里窨井盖没了，临时放了个树枝",
        "有个井盖凹下去一大块，电动车骑过去差点摔",
        "{p}污水井没盖子，晚上看不见",
        "井盖周围路面塌陷，盖子都歪了",
    ], [
        "manhole cover missing at {p}, open hole, really dangerous",
        "a drain cover is half broken and kids walk past it after school",
        "sewer lid at the {p} junction was stolen {t}",
        "loose manhole cover on the sidewalk flips when you step on it",
        "stormwater cover at {p} has sunk, cars bang over it",
        "no cover on the inspection well in our estate, someone just put a branch in it",
        "dented manhole lid, an e-bike nearly crashed on it",
        "uncovered sewage well at {p}, invisible at night",
        "road around the manhole has caved in and the cover is tilted",
    ]),
    "C10": ([
        "{p}路面坑坑洼洼，下雨全是积水",
        "村道中间陷了个大坑，{t}已经有人摔了",
        "{p}水泥路裂开好几条缝，车过去颠得厉害",
        "去镇上的路被大车压烂了",
        "{p}路口柏油路起包了，晚上看不清",
        "这条路修了才一年就坑坑洼洼的",
        "{p}路面下沉了一块，轿车底盘都刮了",
        "进村的路烂得不成样子，救护车都进不来",
        "主干道上有个深坑，{n}辆车爆胎了",
    ], [
        "road surface at {p} is full of potholes, huge puddles when it rains",
        "big pothole opened up in the middle of the village road, someone fell {t}",
        "concrete road at {p} has several cracks, very bumpy",
        "heavy trucks have wrecked the road into town",
        "asphalt at the {p} intersection is buckled, hard to see at night",
        "this road was only resurfaced last year and it's already broken up",
        "part of the road at {p} has sunk, cars scraping their undersides",
        "the road into our village is so bad even ambulances can't get in",
        "deep hole on the main road, {n} cars got flat tyres",
    ]),
    "C11": ([
        "{p}小桥的栏杆断了，小孩上学要过这座桥",
        "村口那座石桥桥墩裂了，大车还在过",
        "{t}山边的村道护坡掉了一截，路边悬空",
        "{p}桥面有个大洞，能看到下面的河水",
        "急弯没有护栏也没有警示牌，已经翻过车",
        "漫水桥被冲坏了，村民只能蹚水过河",
        "{p}的便桥木板烂了，摩托车不敢过",
        "乡道上的涵洞塌了一半",
        "盘山路边的防护栏被撞断了一直没修",
    ], [
        "the railing of the little bridge at {p} is broken, kids cross it to school",
        "pier of the stone bridge at the village entrance is cracked, trucks still use it",
        "part of the retaining slope along the village road collapsed {t}, road edge hanging",
        "big hole in the bridge deck at {p}, you can see the river underneath",
        "sharp bend on the county road with no guardrail or warning sign, a car rolled over there",
        "the low ford bridge got washed out, villagers wading across the river",
        "planks on the temporary footbridge at {p} are rotten",
        "culvert under the township road half collapsed",
        "crash barrier on the mountain road was knocked down and never repaired",
    ]),
    "C12": ([
        "去县城的车一天就一趟，赶不上就没了",
        "{p}的公交站牌撤了，现在车在哪停都不知道",
        "{t}公交车没按点来，等了一个多小时",
        "村里的客运班车停运了，老人进城很不方便",
        "{n}路车司机不停站，招手也不停",
        "公交车太挤了，学生放学根本上不去",
        "能不能在{p}加个公交站",
        "城乡公交票价涨了，也没通知",
        "末班车太早了，下班回不了村",
    ], [
        "only one bus a day to the county town, miss it and you're stuck",
        "the bus stop sign at {p} was removed, nobody knows where the bus stops now",
        "bus didn't come on time {t}, waited over an hour",
        "the village coach service has stopped, hard for old people to get into town",
        "driver of route {n} doesn't stop, even when we wave",
        "buses too crowded after school, students can't get on",
        "can you add a bus stop at {p}",
        "rural bus fares went up without notice",
        "last bus leaves too early, workers can't get home",
    ]),
    "C13": ([
        "有辆车停在{p}小区门口堵了{t}，出不去",
        "{p}人行道上停满了车，只能走马路",
        "一辆货车占着我家车库门口，电话打不通",
        "路口乱停车，公交车都拐不过弯",
        "{p}有辆僵尸车停了半年没人挪",
        "有人把车停在盲道上",
        "学校门口接孩子的车乱停乱放，堵死了",
        "小区出口被一辆白色SUV堵住了，车牌尾号{n}",
        "大货车晚上停在居民楼下，早上也不走",
    ], [
        "a car has been blocking the gate at {p} {t}, we can't get out",
        "cars parked all over the sidewalk on {p}, pedestrians have to walk in the road",
        "a van is parked across my garage door and the number on it doesn't answer",
        "cars parked at the junction, buses can't make the turn",
        "abandoned car at {p}, hasn't moved in six months",
        "someone keeps parking on the tactile paving for the blind",
        "parents' cars double parked at the school gate, total gridlock",
        "white SUV blocking the exit of our compound, plate ending in {n}",
        "big lorries park under the residential buildings overnight and stay all morning",
    ]),
    "C14": ([
        "{p}工厂往河里排污水，河水都变黑了",
        "养猪场的粪水直接流到沟里，臭得不行",
        "{t}化工厂的排水口冒白沫，鱼都死了",
        "{p}的洗车店污水直接排到路边",
        "有个小作坊晚上偷偷排废水，地都染红了",
        "工厂烟囱冒黑烟，{p}一片都是刺鼻味",
        "河边有根暗管往外排水，颜色发绿",
        "电镀厂的废水渗到地里，庄稼都黄了",
        "{p}养鸭场把鸭粪冲进池塘",
    ], [
        "factory at {p} discharging waste water into the river, the water is black",
        "manure from the pig farm flowing straight into the ditch, awful stench",
        "white foam coming out of the chemical plant outlet {t}, fish dead",
        "car wash at {p} drains dirty water straight into the street",
        "small workshop secretly dumps waste water at night, ground stained red",
        "black smoke from the factory chimney, pungent smell all over {p}",
        "hidden pipe by the river discharging greenish liquid",
        "plating factory effluent seeping into the fields, crops turning yellow",
        "duck farm at {p} flushing droppings into the pond",
    ]),
    "C15": ([
        "{p}田里有人烧秸秆，烟大得看不见路",
        "有人在河边烧垃圾，塑料味呛死了",
        "{t}又有人在地里放火烧草",
        "邻居在院子里烧废电线，黑烟滚滚",
        "{p}山脚下有人烧荒，火苗挺大",
        "工地上焚烧废料，整个小区都是烟",
        "收完麦子好多地在烧麦茬",
        "{who}天天在门口烧树叶和垃圾",
        "{p}那边冒浓烟，像是在烧轮胎",
    ], [
        "someone burning straw in the field at {p}, smoke so thick you can't see the road",
        "people burning rubbish by the river, plastic fumes choking us",
        "someone set fire to the weeds in the fields again {t}",
        "neighbour is burning old cables in his yard, black smoke",
        "burning off the scrub at the foot of the hill near {p}, flames quite big",
        "construction site burning waste materials, whole estate full of smoke",
        "after the wheat harvest lots of fields are burning stubble",
        "{who} burns leaves and trash in front of the house every day",
        "thick smoke coming from {p}, smells like burning tyres",
    ]),
    "C16": ([
        "{p}加工厂的机器半夜还在响，根本睡不着",
        "隔壁KTV每天开到凌晨两点，音响震得窗户响",
        "{t}工地晚上还在打桩，都十一点了",
        "楼下饭店的排风机噪音太大",
        "{p}石材厂切石头的声音一整天",
        "商场门口大喇叭促销从早放到晚",
        "木材加工厂的电锯声吵得孩子没法写作业",
        "{p}有家店装的空调外机嗡嗡响到天亮",
        "夜里搅拌站车来车往，轰隆隆的",
    ], [
        "machines at the workshop on {p} run all night, impossible to sleep",
        "the karaoke bar next door stays open till 2am, speakers rattle our windows",
        "pile driving at the construction site {t} at 11pm",
        "exhaust fan of the restaurant downstairs is way too loud",
        "stone cutting factory at {p} grinding all day long",
        "loudspeaker promotion outside the supermarket from morning till night",
        "electric saws at the timber mill, kids can't do homework",
        "a shop's AC compressor at {p} hums till dawn",
        "concrete trucks in and out of the mixing plant all night, rumbling",
    ]),
    "C17": ([
        "楼上半夜跳来跳去，{t}都没睡好",
        "邻居家狗从早叫到晚",
        "对门天天打麻将到凌晨，吵得不行",
        "{p}广场舞音响开得太大了，晚上十点还在跳",
        "楼上装修周末一大早就开始砸墙",
        "隔壁喝酒划拳到半夜，说了也没用",
        "{p}楼上有人半夜拖椅子、摔东西",
        "楼下邻居天天放音乐，声音开到最大",
        "有人半夜在小区里大喊大叫",
    ], [
        "upstairs neighbours jumping around at midnight, I haven't slept properly {t}",
        "the dog next door barks from morning till night",
        "the family opposite plays mahjong till the early hours every day",
        "square dancing music at {p} is way too loud, still going at 10pm",
        "upstairs renovation, they start smashing walls early on weekend mornings",
        "neighbours drinking and shouting drinking games till midnight",
        "someone upstairs at {p} drags chairs and drops things in the middle of the night",
        "downstairs neighbour blasts music every day",
        "people yelling in the courtyard at 1am",
    ]),
    "C18": ([
        "{p}河里漂着好多塑料瓶和泡沫",
        "河面上全是水葫芦，水都不流了",
        "{t}有人往河里倒垃圾",
        "{p}桥下面堆着一大片漂浮垃圾",
        "池塘里漂着死鱼，还有烂菜叶",
        "河岸边全是塑料袋，挂在树枝上",
        "水库里有人扔了好多装修垃圾",
        "{p}排水口那里漂满了白色垃圾，河长牌上的电话也打不通",
        "小河沟被垃圾堵住了，水又黑又臭",
    ], [
        "plastic bottles and foam floating all over the river at {p}",
        "water hyacinth covering the river, the water isn't moving",
        "someone dumping rubbish into the river {t}",
        "a big patch of floating litter under the bridge at {p}",
        "dead fish and rotten vegetables floating in the pond",
        "plastic bags caught in the branches all along the river bank",
        "people throwing renovation waste into the reservoir",
        "floating trash piled up at the outfall at {p}, the river chief's phone number on the sign doesn't work",
        "the creek is choked with garbage, water black and smelly",
    ]),
    "C19": ([
        "{p}停水{n}天了，也没个通知",
        "自来水放出来是黄的，还有沙子",
        "{t}水压特别小，楼上根本没水",
        "水龙头出来的水有股怪味，不敢喝",
        "{p}水管爆了，水哗哗地流，我们家停水了",
        "村里饮用水浑浊，烧开了底下一层白垢",
        "说好的停水到下午，现在晚上了还没来水",
        "{p}好几户没水用，孩子都没法洗澡",
        "自来水里有红虫子",
    ], [
        "no water at {p} for {n} days and no notice given",
        "tap water coming out yellow with sand in it",
        "water pressure super low {t}, upper floors get nothing",
        "tap water smells weird, afraid to drink it",
        "water main burst at {p}, water gushing out and our supply is cut",
        "village drinking water is cloudy, leaves white scale when boiled",
        "they said the water would be off until the afternoon, it's evening and still nothing",
        "several households at {p} have no running water, kids can't even bathe",
        "found little red worms in the tap water",
    ]),
    "C20": ([
        "灌溉渠被淤泥堵死了，水放不到地里",
        "{p}的水渠塌了一段，田里灌不上水",
        "{t}泵站没开，秧苗都快旱死了",
        "上游有人把沟渠截了，下游的田没水",
        "{p}排灌站的机器坏了没人修",
        "农渠里长满了杂草，水流不过去",
        "斗渠的闸门坏了，水全跑了",
        "{who}家在渠上搭了个坝，别人家浇不了地",
        "{p}的排水沟堵了，一下雨田里就淹",
    ], [
        "irrigation channel clogged with silt, water can't reach the fields",
        "a section of the canal at {p} collapsed, can't irrigate the paddies",
        "pump station didn't run {t}, seedlings drying out",
        "someone upstream blocked the ditch, fields downstream have no water",
        "pumping machine at the {p} irrigation station broken and nobody fixing it",
        "farm ditches overgrown with weeds, water doesn't flow",
        "sluice gate on the branch canal is broken, all the water runs off",
        "{who} dammed the channel so the other families can't water their land",
        "field drainage ditch at {p} blocked, fields flood every time it rains",
    ]),
    "C21": ([
        "有人在{p}基本农田里挖塘养鱼",
        "{t}有老板在地里打地基，说要建厂房",
        "耕地上建了个养鸡场，占了好几亩",
        "{p}好好的田被推平了，倒满了建筑渣土",
        "村里有人在承包地上盖了两层小楼",
        "有人在农田里建仓库，也没看见审批",
        "{p}的水田被填了修停车场",
        "良田被挖沙的挖得坑坑洼洼",
        "{p}附近耕地上搭了临时厂房",
    ], [
        "someone digging fish ponds in the protected farmland at {p}",
        "a businessman pouring foundations in the fields {t}, says he's building a factory",
        "a chicken farm was built on arable land, several mu taken",
        "good farmland at {p} was bulldozed and filled with construction spoil",
        "villager built a two storey house on his contracted farmland",
        "warehouse going up in the middle of the paddy fields, no sign of approval",
        "rice paddies at {p} filled in to make a car park",
        "sand diggers have turned good cropland into pits",
        "temporary factory sheds put up on cultivated land near {p}",
    ]),
    "C22": ([
        "老房子想推倒重建，要去哪里办手续？",
        "分户以后能不能再申请一块宅基地",
        "房子要翻修，要批吗，需要什么材料",
        "{who}想在原址上建新房，审批要多久",
        "宅基地证上面积和实际不一样，怎么更正",
        "儿子结婚想申请宅基地建房，村里说要等",
        "建房审批交上去{n}个月了还没批下来",
        "农村自建房最多能盖几层？",
        "在外地落户了老家宅基地还能用吗",
    ], [
        "want to tear down my old house and rebuild, where do I apply?",
        "after splitting the household can we apply for another homestead plot",
        "do I need approval to renovate my house, what documents",
        "{who} wants to build a new house on the old site, how long does approval take",
        "the area on my homestead certificate doesn't match the actual plot, how to correct it",
        "my son is getting married and we want a homestead plot, village says wait",
        "submitted the house building application {n} months ago, still not approved",
        "how many floors can a rural self-built house have?",
        "I moved my hukou away, can I still use the homestead back home",
    ]),
    "C23": ([
        "今年的种粮补贴怎么还没到账",
        "耕地地力保护补贴少发了，别人家都有",
        "农机购置补贴申请了{n}个月了没消息",
        "{who}家的补贴打到别人卡上了",
        "一卡通里查不到今年的农业补贴",
        "种了{n}亩玉米，补贴只按一半算",
        "买了插秧机，补贴要去哪里申请",
        "{p}好几户反映粮食补贴没发",
        "流转出去的地补贴归谁",
    ], [
        "this year's grain subsidy still hasn't arrived in my account",
        "got less farmland protection subsidy than the neighbours",
        "applied for the farm machinery purchase subsidy {n} months ago, no news",
        "{who}'s subsidy was paid into someone else's card",
        "can't find this year's agricultural subsidy on the one-card account",
        "I grow {n} mu of corn but the subsidy only counts half",
        "bought a rice transplanter, where do I claim the subsidy",
        "several households at {p} say the grain payments weren't made",
        "who gets the subsidy for land I've rented out",
    ]),
    "C24": ([
        "{p}河沟里漂着几头死猪",
        "我家鸡{t}死了一大半，是不是瘟了",
        "村里好几家的羊都不吃东西拉稀",
        "路边有人扔了死鸭子，一大袋",
        "{who}家的牛口里起泡，站不起来",
        "养殖户把病死猪偷偷卖给收猪的",
        "{p}垃圾堆旁边有死狗死猫，臭得很",
        "鸭子成批死掉，会不会是禽流感",
        "猪场的猪发烧不吃食，兽医也看不好",
    ], [
        "several dead pigs floating in the ditch at {p}",
        "half my chickens died {t}, is it some disease",
        "sheep in several households have stopped eating and have diarrhoea",
        "someone dumped a big bag of dead ducks by the road",
        "{who}'s cow has blisters in its mouth and can't stand up",
        "a farmer is secretly selling sick dead pigs to the pig dealers",
        "dead dogs and cats next to the rubbish heap at {p}, stinks",
        "ducks dying in batches, could this be bird flu",
        "pigs at the farm have fever and won't eat, vet can't fix it",
    ]),
    "C25": ([
        "{p}好几亩地荒了两年没人种",
        "年轻人都出去打工了，村里田都荒着",
        "承包的地没人种，草比人还高",
        "{who}家的地撂荒了，杂草种子飘到我们田里",
        "{p}一大片水田今年没插秧",
        "土地流转给老板后，老板跑路了地也荒了",
        "山上的梯田都没人种了，可惜",
        "村东头{n}亩耕地长满了杂树",
        "有没有人愿意租这片荒地，放着也浪费",
    ], [
        "several mu at {p} have lain idle for two years",
        "young people all work in the city, the village fields are abandoned",
        "contracted land nobody farms, weeds taller than a person",
        "{who}'s land is left fallow and weed seeds blow onto our fields",
        "a big stretch of paddy at {p} wasn't planted this year",
        "the boss who leased our land ran off and now it's just weeds",
        "terraced fields up the hill all abandoned, such a waste",
        "{n} mu of farmland east of the village overgrown with shrubs",
        "is anyone willing to rent this idle land, it's going to waste",
    ]),
    "C26": ([
        "{p}楼道里一股煤气味，很浓",
        "饭店后厨的液化气罐好像漏气了",
        "{t}闻到天然气味道，不知道哪家漏的",
        "{who}家煤气管子老化了，闻着有味",
        "燃气表那里嘶嘶响",
        "{p}路边的燃气管道被挖断了",
        "小吃店的煤气罐放在门口晒太阳，阀门还松了",
        "单元里燃气报警器一直在响",
        "有人私自灌装液化气，味道很大",
    ], [
        "strong smell of gas in the stairwell at {p}",
        "LPG cylinder in the restaurant kitchen seems to be leaking",
        "smelled natural gas {t}, don't know which flat it's from",
        "{who}'s gas hose is old and cracked, you can smell it",
        "hissing sound from the gas meter",
        "gas pipe at {p} was cut by an excavator",
        "snack shop leaves gas cylinders in the sun by the door with the valve loose",
        "the gas alarm in our building keeps going off",
        "someone illegally refilling LPG bottles, strong smell",
    ]),
    "C27": ([
        "楼道里好几辆电动车在充电，线从窗户拉出来",
        "{p}消防通道被杂物堵死了",
        "有人把电瓶车推进电梯上楼充电",
        "{p}楼里的灭火器都过期了，消防栓也没水",
        "飞线充电，电线挂在树上",
        "安全出口被锁上了，着火怎么跑",
        "出租屋里住了十几个人，电线乱拉",
        "{t}楼下电动车电池冒烟了",
        "{p}的仓库堆满纸箱，旁边还有人抽烟",
    ], [
        "several e-bikes charging in the corridor, cables run out of windows",
        "fire lane at {p} completely blocked with junk",
        "people taking e-scooters up in the lift to charge at home",
        "fire extinguishers at {p} all expired and the hydrant has no water",
        "charging cables strung from the trees for the e-bikes",
        "emergency exit is locked, how are we supposed to escape a fire",
        "a dozen people living in one rented room with messy wiring everywhere",
        "an e-bike battery downstairs started smoking {t}",
        "warehouse at {p} packed with cardboard and people smoking right next to it",
    ]),
    "C28": ([
        "{p}小作坊楼下干活楼上睡人，一个灭火器都没有",
        "工地工人高空作业不系安全带",
        "鞭炮作坊藏在民房里，很危险",
        "{p}的厂子里机器没有防护罩，已经伤过人",
        "有人在{p}私自储存油漆稀料",
        "工地脚手架摇摇晃晃，下面就是人行道",
        "小加工厂粉尘很大，工人都不戴口罩",
        "危化品车停在村里过夜",
        "{t}采石场放炮，石头飞到路上",
    ], [
        "small workshop at {p}, they work downstairs and sleep upstairs, no extinguisher",
        "workers on the site working at height without harnesses",
        "fireworks workshop hidden inside a residential house, really dangerous",
        "machines at the factory at {p} have no guards, someone already got hurt",
        "paint thinner being stored illegally at {p}",
        "scaffolding wobbling at the site, footpath right underneath",
        "tiny processing plant full of dust, workers without masks",
        "hazardous chemicals truck parked overnight in the village",
        "quarry blasting {t}, rocks flying onto the road",
    ]),
    "C29": ([
        "屋后的山坡裂了一条大缝，再下雨怕要垮",
        "{t}雨太大，{p}低洼的几户家里进水了",
        "河水涨得快漫堤了，{p}有人还在河边",
        "{p}山上往下掉石头，路被挡住了",
        "房子后面的土坡在滑，墙根都是泥",
        "水库水位很高，下游的人要不要撤",
        "{p}泥石流冲下来了，路断了",
        "雨一直下，村里的堤坝有渗水",
        "{p}有户人家屋后是陡坡，石头松动",
    ], [
        "big crack opened on the hill behind the houses, worried it will slide if it rains again",
        "heavy rain {t}, water getting into several low-lying homes at {p}",
        "river rising fast, nearly over the embankment, people still by the water at {p}",
        "rocks falling from the slope at {p}, road blocked",
        "the earth bank behind my house is sliding, mud at the foot of the wall",
        "reservoir level very high, should people downstream evacuate",
        "mudslide came down at {p}, road cut off",
        "it keeps raining and the village dyke is seeping",
        "a household at {p} lives under a steep slope with loose rocks",
    ]),
    "C30": ([
        "{who}住的老房子墙上好几道裂缝",
        "{p}有栋土坯房屋顶塌了一角，还有人住",
        "房梁被白蚁蛀了，下雨漏水，怕塌",
        "{p}老楼外墙砖往下掉",
        "楼房地基下沉，门都关不上了",
        "隔壁空房子歪了，靠着我家墙",
        "村里有几间老屋年久失修，小孩经常进去玩",
        "{t}一场雨后，{p}的危房又塌了一面墙",
        "阳台栏板松了，楼下是人行道",
    ], [
        "{who}'s old house has several big cracks in the walls",
        "mud brick house at {p} has a corner of the roof caved in and people still live there",
        "roof beams eaten by termites, leaking when it rains, worried it'll come down",
        "bricks falling off the facade of the old building at {p}",
        "foundation of the building is sinking, doors won't close anymore",
        "the empty house next door is leaning against our wall",
        "some derelict old houses in the village, kids play inside them",
        "after the rain {t} another wall of the dilapidated house at {p} collapsed",
        "balcony parapet is loose above the footpath",
    ]),
    "C31": ([
        "{p}电线垂下来快碰到地了，小孩在旁边玩",
        "{t}整个村停电了，冰箱里的东西都坏了",
        "变压器冒火花，噼里啪啦响",
        "{p}电线杆被车撞歪了，随时会倒",
        "家里电压不稳，灯一闪一闪的，电器烧了两个",
        "大风把电线刮断了，掉在路中间",
        "{p}的电线从树中间穿过，树枝都烧焦了",
        "一到晚上用电高峰就跳闸",
        "电表箱门掉了，里面的线都露出来",
    ], [
        "power line sagging down to the ground at {p}, kids playing nearby",
        "whole village has been without power {t}, food in the fridge spoiled",
        "transformer sparking and crackling",
        "electricity pole at {p} hit by a car, could fall any time",
        "voltage unstable at home, lights flicker, two appliances burnt out",
        "wind snapped a cable and it's lying in the middle of the road",
        "wires at {p} run through the trees, branches scorched",
        "breaker trips every evening at peak time",
        "meter box door fell off, wires exposed",
    ]),
    "C32": ([
        "自己盖的新房想通电，要找谁办",
        "这个月电费突然多了好几百，是不是表坏了",
        "{who}不会用手机交电费，能不能代缴",
        "开个小作坊要用三相电，怎么申请",
        "电费交了还显示欠费，被停了",
        "想把电表户名改成我的名字",
        "{p}门面房申请增容，报上去{n}周了没动静",
        "峰谷电价怎么申请",
        "装充电桩要单独报装吗",
    ], [
        "just built a new house and need an electricity meter, who do I contact",
        "this month's power bill jumped by several hundred, is the meter faulty",
        "{who} can't pay the electricity bill on the phone, can someone do it for them",
        "opening a small workshop and need three-phase power, how to apply",
        "paid my electric bill but it still shows arrears and they cut me off",
        "want to change the name on the electricity account to mine",
        "applied for more capacity for the shop at {p} {n} weeks ago, nothing happened",
        "how do I sign up for the peak and valley tariff",
        "do I need a separate connection to install an EV charger",
    ]),
    "C33": ([
        "{p}烧烤店门口有人打架，还拿了酒瓶",
        "{t}有几个人在网吧门口闹事",
        "街上有人喝醉了砸车",
        "{p}有一伙人经常聚在一起赌博",
        "小区里有陌生人挨家挨户推门",
        "两伙人在{p}对峙，好像要动手了",
        "有人在村里偷电动车电瓶",
        "晚上有人在{p}骑摩托车炸街",
        "菜市场两个人打起来了，有人流血了",
    ], [
        "fight outside the BBQ place at {p}, someone grabbed a beer bottle",
        "a group of guys causing trouble outside the internet cafe {t}",
        "drunk man smashing cars on the street",
        "a gang keeps gathering at {p} to gamble",
        "strangers going door to door in the estate trying the handles",
        "two groups facing off at {p}, looks like it will turn violent",
        "someone stealing e-bike batteries in the village",
        "motorbikes racing and revving at {p} late at night",
        "two men fighting at the market, one is bleeding",
    ]),
    "C34": ([
        "{who}接到电话说儿子出事了，转了{m}",
        "有人冒充客服让我退款，骗走了{m}",
        "老人被拉进什么投资群，说稳赚不赔",
        "{p}有人开讲座卖保健品，老人都被哄去了",
        "收到短信说卡被冻结，点了链接钱就没了",
        "网上刷单被骗了，对方把我拉黑了",
        "冒充公检法的电话打过来，说我涉嫌洗钱",
        "{who}被人骗去买理财，一辈子积蓄都投进去了",
        "有人自称领导让我转账，我差点就转了",
    ], [
        "an old lady at {p} got a call saying her son was in trouble and transferred {m} yuan",
        "fake customer service talked me into a refund and took {m}",
        "elderly people pulled into an investment group promising guaranteed returns",
        "sales talks at {p} selling health supplements, old people being conned",
        "got a text saying my card was frozen, clicked the link and money was gone",
        "scammed doing online order brushing, they blocked me",
        "caller pretending to be police said I was involved in money laundering",
        "{who} was tricked into a wealth product and lost all the family savings",
        "someone pretending to be my boss asked me to wire money, almost did",
    ]),
    "C35": ([
        "宝宝出生了，落户要带哪些东西",
        "身份证丢了，补办要去哪里",
        "{who}户口本上名字写错了一个字",
        "结婚了想把户口迁过来，怎么办",
        "身份证快过期了，可以在镇上换吗",
        "老人去世了户口要去注销吗",
        "外地户口的孩子在这边办居住证要什么材料",
        "办身份证要预约吗",
        "户口本丢了，孩子上学要用",
    ], [
        "baby was born, what do we need to register the hukou",
        "lost my ID card, where do I get a new one",
        "{who}'s name is misspelled by one character in the household register",
        "got married and want to move my hukou here, what's the process",
        "ID card about to expire, can I renew it in the township",
        "does an old person's household registration need to be cancelled after death",
        "what documents does a child from another province need for a residence permit",
        "do I need an appointment to get an ID card done",
        "lost the household register booklet, need it for school registration",
    ]),
    "C36": ([
        "{who}的养老金这个月没发",
        "城乡居民养老保险今年交多少钱",
        "满六十了，养老金怎么领",
        "以前在外地交的养老保险能转回来吗",
        "养老金那张卡丢了，钱还能领吗",
        "给老人做了领取资格认证，还是停发了",
        "想多交一档养老保险，村里说不行",
        "{who}去年漏交了，能补缴吗",
        "养老金怎么比隔壁少那么多",
    ], [
        "{who}'s pension wasn't paid this month",
        "how much is the rural-urban residents pension contribution this year",
        "turned sixty, how do I start drawing my pension",
        "can the pension insurance I paid in another province be transferred back",
        "lost the card my pension goes into, can I still get the money",
        "did the annual eligibility check for the old man but his pension still stopped",
        "want to pay a higher pension tier, the village office says no",
        "{who} missed last year's pension contribution, can it be paid late",
        "why is my pension so much lower than my neighbour's",
    ]),
    "C37": ([
        "从外地回来了想学个电工，有没有免费培训",
        "{who}家儿子大学毕业没找到工作，有什么政策",
        "镇上有招工信息吗，想在附近打份工",
        "想考个育婴师证，去哪报名",
        "失业了能领失业金吗",
        "想自己开个小店，有创业贷款吗",
        "残疾人能不能参加技能培训",
        "{p}有没有招保洁的，五十多岁的能干吗",
        "厨师培训什么时候开班",
    ], [
        "came back from the city, want to learn electrician skills, any free training",
        "{who}'s son graduated but can't find a job, any support schemes",
        "any job openings in town, looking for work nearby",
        "want to get a childcare worker certificate, where do I sign up",
        "lost my job, can I get unemployment benefit",
        "thinking of opening a small shop, are there startup loans",
        "can disabled people join the vocational training",
        "anyone hiring cleaners near {p}, is age 50+ okay",
        "when does the next cooking course start",
    ]),
    "C38": ([
        "包工头欠了我们{m}工钱，过年都拿不到",
        "工地干了{n}个月，老板跑了",
        "厂里三个月没发工资了",
        "{who}在{p}餐馆干活，老板说效益不好不给钱",
        "辞职了老板扣着最后一个月工资不给",
        "十几个工人被拖欠工资，说要去堵门",
        "劳务公司不签合同还拖工资",
        "活干完了，工头一直说下周发钱",
        "在厂里受了伤，老板不但不赔还不发工资",
    ], [
        "the contractor owes us {m} yuan in wages, can't even go home for new year",
        "worked {n} months on the site and the boss disappeared",
        "factory hasn't paid wages for three months",
        "{who} works at a restaurant at {p}, the owner says business is bad and won't pay",
        "quit my job and the boss is holding back my last month's salary",
        "a dozen workers unpaid, they're talking about blocking the gate",
        "labour agency won't sign contracts and keeps delaying pay",
        "finished the job, the foreman keeps saying next week for the pay",
        "got injured at work, boss won't compensate and stopped paying me",
    ]),
    "C39": ([
        "{who}不会在手机上交医保，能不能帮忙",
        "今年医保交费截止到什么时候",
        "孩子的医保怎么参保",
        "交了医保怎么查不到记录",
        "外出打工的医保在老家交还是在外面交",
        "低保户交医保有没有减免",
        "新生儿医保在哪办",
        "错过医保缴费时间了还能补交吗",
        "帮老人代缴居民医保要带什么",
    ], [
        "{who} doesn't know how to pay medical insurance on the phone, can someone help",
        "what's the deadline for this year's medical insurance contribution",
        "how do I enrol my child in medical insurance",
        "paid for medical insurance but can't find the record",
        "working away from home, should I pay health insurance here or there",
        "are there discounts on medical insurance premiums for low income families",
        "where to sign up a newborn for medical insurance",
        "missed the health insurance payment window, can I still pay",
        "what do I need to pay the residents' medical insurance on behalf of my parents",
    ]),
    "C40": ([
        "住院花了{m}，报销比例怎么这么低",
        "在县医院看病回来怎么报销",
        "慢病卡怎么办，{who}有糖尿病",
        "异地就医备案怎么弄",
        "报销的钱{n}个月了还没到",
        "门诊特殊病种的药能报多少",
        "大病保险二次报销要交什么材料",
        "医保卡在药店刷不了了",
        "转院没备案，是不是不能报了",
    ], [
        "spent {m} yuan in hospital and the reimbursement rate is so low",
        "saw a doctor at the county hospital, how do I claim the costs back",
        "how to get a chronic disease card, {who} has diabetes",
        "how do I register for medical treatment in another city",
        "reimbursement money still not received after {n} months",
        "how much of the medicine for special outpatient conditions is covered",
        "what documents for the second round of serious illness reimbursement",
        "medical insurance card doesn't work at the pharmacy anymore",
        "transferred hospitals without filing first, can I still get reimbursed",
    ]),
    "C41": ([
        "家里就我一个劳动力，孩子还在上学，能申请低保吗",
        "{who}一个人没收入，想办特困供养",
        "低保这个月怎么没到",
        "低保被取消了，也没说原因",
        "{p}那户人家开着小车还吃低保，不公平",
        "丈夫瘫痪在床，日子过不下去了",
        "低保金额怎么算的",
        "申请低保交上去{n}个月没消息",
        "生病花光积蓄了，有没有救助",
    ], [
        "I'm the only earner and the kids are still in school, can we get dibao",
        "{who} lives alone with no income, wants extreme-poverty support",
        "minimum living allowance didn't come this month",
        "our low income allowance was cancelled without explanation",
        "a family at {p} drives a car and still gets dibao, not fair",
        "husband is paralysed in bed, we can't make ends meet",
        "how is the amount of the minimum subsistence allowance worked out",
        "applied for dibao {n} months ago, heard nothing",
        "illness used up all our savings, is there any assistance",
    ]),
    "C42": ([
        "残疾人补贴停了两个月了",
        "{who}八十多了，高龄补贴怎么领",
        "残疾证办下来了，护理补贴怎么申请",
        "高龄津贴是不是要每年认证",
        "我爸九十岁了补贴比八十岁的多吗",
        "重度残疾的生活补贴没到账",
        "残疾人两项补贴在哪里申请",
        "老人过八十了，村里没人告诉我们有补贴",
        "{who}残疾等级变了，补贴怎么没调",
    ], [
        "disability allowance stopped two months ago",
        "{who} is over 80, how do we get the old age allowance",
        "got the disability certificate, how to apply for the care subsidy",
        "do we need to verify every year for the senior citizens allowance",
        "my dad is 90, does he get more allowance than the 80 year olds",
        "living subsidy for severely disabled person not received",
        "where to apply for the two disability subsidies",
        "grandpa turned 80 and nobody told us about the elderly subsidy",
        "{who}'s disability grade changed but the subsidy didn't",
    ]),
    "C43": ([
        "{who}一个人住，好几天没见出门了",
        "独居的老奶奶生病了没人照顾",
        "隔壁孤寡老人家里没米了",
        "{p}有个老人子女都在外地，冬天没取暖",
        "空巢老人摔倒了，邻居发现的",
        "老人有点糊涂，经常走丢",
        "{who}家敲门没人应，电话也不接",
        "独居老人家里漏雨，自己修不了",
        "能不能安排人定期去看看{p}的五保老人",
    ], [
        "{who} lives alone and hasn't been seen outside for days",
        "old lady living alone is sick and nobody is looking after her",
        "the childless old man next door has run out of rice",
        "an elderly man at {p}, kids all work far away, no heating this winter",
        "empty-nest elderly woman fell at home, a neighbour found her",
        "old man is a bit confused and keeps getting lost",
        "knocked on {who}'s door, no answer, phone not picked up",
        "roof leaking at a solitary old lady's home, she can't fix it herself",
        "can someone visit the elderly people living alone at {p} regularly",
    ]),
    "C44": ([
        "有人在{p}的田里新修了坟",
        "{t}有人在山上乱埋，没有火化",
        "公墓的价格太高了，有没有惠民的",
        "村里办丧事搭灵棚占路三天",
        "老人去世了，丧葬补助怎么领",
        "{p}公路边上新起了一座大坟，还立了碑",
        "有人在水源地旁边埋人",
        "骨灰存放在哪里，殡仪馆要预约吗",
        "迁坟需要办什么手续",
    ], [
        "someone built a new grave in the farmland at {p}",
        "a body was buried on the hill {t} without cremation",
        "cemetery plots far too expensive, any affordable options",
        "funeral tent in the village blocking the road for three days",
        "dad passed away, how do we claim the funeral allowance",
        "a big new tomb with a headstone right by the road at {p}",
        "someone buried a relative next to the water source",
        "where can ashes be kept, do we need to book the funeral home",
        "what procedure to move a family grave",
    ]),
    "C45": ([
        "签了家庭医生一年也没见人来过",
        "{who}血压高，随访的医生好久没来了",
        "糖尿病的药吃完了，村医那里没有",
        "家庭医生签约怎么续签",
        "老人体检的结果什么时候出来",
        "{who}卧床不能出门，医生能上门吗",
        "村卫生室天天关门，找不到医生",
        "慢病随访能不能打电话就行",
        "{p}的老人免费体检是哪天",
    ], [
        "signed up for a family doctor a year ago and nobody has ever come",
        "{who} has high blood pressure, the follow-up doctor hasn't visited for ages",
        "ran out of diabetes pills and the village clinic has none",
        "how do I renew the family doctor contract",
        "when will the results of the elderly health check come out",
        "{who} is bedridden, can the doctor do a home visit",
        "village clinic is closed every day, can't find the doctor",
        "can chronic disease follow-ups be done by phone",
        "which day is the free health check for seniors at {p}",
    ]),
    "C46": ([
        "孩子该打第二针了，疫苗在哪打",
        "幼儿园好几个孩子得了手足口",
        "{p}好多人发烧拉肚子，是不是传染病",
        "狂犬疫苗哪里能打，被狗咬了",
        "老人想打流感疫苗，要预约吗",
        "学校里有学生得了水痘，要不要停课",
        "宝宝疫苗本丢了怎么办",
        "HPV疫苗在卫生院能约吗",
        "{who}咳嗽一个多月了，怕是肺结核",
    ], [
        "my kid is due for the second vaccine dose, where do we go",
        "several kids at the kindergarten have hand foot and mouth disease",
        "lots of people at {p} with fever and diarrhoea, could it be contagious",
        "got bitten by a dog, where can I get the rabies shot",
        "grandma wants a flu jab, does she need to book",
        "a student at school has chickenpox, should classes stop",
        "lost the baby's vaccination booklet, what now",
        "can I book the HPV vaccine at the township hospital",
        "{who} has been coughing for over a month, worried it's TB",
    ]),
    "C47": ([
        "{p}超市卖的牛奶过期了",
        "在小饭馆吃完全家拉肚子",
        "早餐店的油条用的是地沟油吧，黑乎乎的",
        "学校门口卖的辣条没有生产日期",
        "买的肉有股馊味，卖家不认",
        "{p}烤肠摊卫生太差，苍蝇到处爬",
        "饭店后厨老鼠乱跑，我亲眼看到",
        "小卖部的面包长毛了还在卖",
        "外卖里吃出了虫子",
    ], [
        "the supermarket at {p} is selling expired milk",
        "whole family got diarrhoea after eating at a small restaurant",
        "the breakfast stall's fried dough must be using gutter oil, it's black",
        "spicy snacks sold at the school gate have no production date",
        "meat I bought smells off and the seller denies it",
        "sausage stall at {p} is filthy, flies crawling all over",
        "rats running around the restaurant kitchen, saw it with my own eyes",
        "corner shop selling bread with mould on it",
        "found a bug in my takeaway",
    ]),
    "C48": ([
        "新买的冰箱用了一周就不制冷，店家不给换",
        "健身房办了卡就关门了，钱退不回来",
        "{p}手机店卖翻新机当新机",
        "装修公司收了定金不干活",
        "网上买的衣服退货，商家不退款",
        "理发店推销办卡，办完就换老板了",
        "车修完了又坏，修理厂还要再收钱",
        "培训机构跑路了，交的{m}学费不退",
        "买的电动车电池用了两个月就不行，售后推来推去",
    ], [
        "new fridge stopped cooling after a week and the shop won't replace it",
        "gym sold me a membership then closed, can't get a refund",
        "phone shop at {p} sold a refurbished phone as new",
        "renovation company took the deposit and never started work",
        "returned clothes bought online, seller won't refund",
        "hair salon pushed a prepaid card then changed owners",
        "car broke again right after repair and the garage wants more money",
        "tutoring centre closed down, won't return the {m} yuan fees",
        "e-bike battery died after two months and after-sales keeps passing the buck",
    ]),
    "C49": ([
        "{p}菜市场缺斤少两，买两斤只有一斤六",
        "超市标价和结账价格不一样",
        "停车场乱收费，也没有公示",
        "{t}猪肉涨价太离谱了，一家一个价",
        "加油站的油好像不够数",
        "水果摊的秤有问题，回家一称差了好多",
        "景区门口的矿泉水卖十块一瓶",
        "药店同一种药比隔壁贵一倍",
        "收粮的秤做了手脚，{who}家少了好几十斤",
    ], [
        "vendors at the {p} market cheat on weight, 2 jin turned out to be 1.6",
        "shelf price and checkout price different at the supermarket",
        "car park charging random fees with no price list posted",
        "pork prices {t} are crazy, every stall charges something different",
        "the petrol station pump seems to give short measure",
        "fruit seller's scale is rigged, way less when I weighed at home",
        "bottled water sold for 10 yuan outside the scenic spot",
        "the pharmacy charges double what the one next door does for the same medicine",
        "grain buyer's scale was tampered with, {who} lost dozens of jin",
    ]),
    "C50": ([
        "孩子跟着我们来打工，想在这边读书怎么办手续",
        "{who}家孩子今年该上一年级，学区怎么划的",
        "幼儿园报名要什么材料",
        "转学手续学校一直不给办",
        "户口不在这边，孩子能不能上初中",
        "中心小学说名额满了，孩子没地方读",
        "从外省回来读书，学籍怎么转",
        "{p}的孩子被分到很远的学校，能不能调",
        "初中入学登记什么时候开始",
    ], [
        "we work here and want our kid to go to school here, how do we transfer",
        "{who}'s child starts first grade this year, how are school zones decided",
        "what documents for kindergarten registration",
        "school keeps refusing to process the transfer paperwork",
        "hukou isn't local, can my child attend middle school here",
        "central primary school says it's full, nowhere for my son to study",
        "moving back from another province, how to transfer the student record",
        "kids from {p} got assigned to a faraway school, can it be changed",
        "when does junior high enrolment registration open",
    ]),
    "C51": ([
        "邻居家上初二的孩子不去学校了，天天在网吧",
        "{who}家孙子爸妈都在外地，没人管，成绩一落千丈",
        "有个十四岁的小孩出去打工了",
        "留守儿童放学后没人接，在河边玩很危险",
        "{p}有个孩子好几个星期没去学校了",
        "孩子不想读书，家长也不管，说读了没用",
        "爷爷奶奶管不住孙子，逃课打游戏",
        "初中女生退学在家带弟弟",
        "{p}几个留守孩子晚上在外面游荡",
    ], [
        "the neighbour's 8th grader stopped going to school, spends all day in the internet cafe",
        "{who}'s grandson, parents work away, nobody watches him and his grades collapsed",
        "a fourteen year old boy has gone off to work in a factory",
        "left-behind children with no one to pick them up, playing by the river after school",
        "a child at {p} hasn't been to school for weeks",
        "kid refuses to study and the parents don't care, say school is useless",
        "grandparents can't control the grandson, he skips class to play games",
        "middle school girl dropped out to stay home and mind her little brother",
        "several left-behind kids at {p} wandering around at night",
    ]),
    "C52": ([
        "我是退伍老兵，优待金怎么领",
        "{who}家老爷子参加过抗美援朝，补助停了",
        "退役军人的光荣牌什么时候发",
        "伤残军人的抚恤金没到账",
        "退伍回来想找工作，有没有安置政策",
        "老兵看病有没有优待",
        "烈士家属的补助去哪申请",
        "当过兵的参战补贴怎么认定",
        "{p}有个老退伍军人生活困难",
    ], [
        "I'm a retired soldier, how do I get the preferential treatment payment",
        "{who}'s father fought in the Korean war and his allowance stopped",
        "when will the honour plaques for ex-servicemen's families be handed out",
        "disabled veteran's compensation not received",
        "just discharged from the army, any job placement policy",
        "do army veterans get any help with medical bills",
        "where do martyrs' families apply for their allowance",
        "how is combat service recognised for the veterans' subsidy",
        "an old ex-serviceman at {p} is living in hardship",
    ]),
    "C53": ([
        "隔壁女的又被她老公打了，哭得很惨",
        "{p}的王大姐身上经常有伤，说是丈夫打的",
        "我老公喝了酒就打我，我不敢回家",
        "{t}楼上男的打老婆，小孩一直在哭",
        "她男人把她锁在屋里不让出门",
        "丈夫天天骂，还威胁要弄死我",
        "{p}有个孩子被继父打得很厉害",
        "儿子喝醉了打老母亲",
        "被家暴了想申请人身安全保护令",
    ], [
        "the woman next door was beaten by her husband again, crying badly",
        "the woman at {p} often has bruises, says her husband hits her",
        "my husband hits me when he drinks, I'm scared to go home",
        "man upstairs beating his wife {t}, the child keeps screaming",
        "her husband locks her in the house and won't let her out",
        "husband abuses me every day and threatens to kill me",
        "a kid at {p} is being badly beaten by his stepfather",
        "drunk son hitting his elderly mother",
        "victim of domestic violence, want to apply for a protection order",
    ]),
    "C54": ([
        "女儿嫁出去了，村里就不给她分地了",
        "离婚的妇女村里不给分红，说是外嫁女",
        "怀孕了公司就把我辞退了",
        "婆家扣着我的嫁妆不还",
        "{p}有个女孩才十五岁就被家里嫁人了",
        "单位招聘说只要男的",
        "村里有人对小女孩动手动脚",
        "{p}有家饭店用十三四岁的孩子当服务员",
        "妇女想学手艺创业，有没有扶持",
    ], [
        "my daughter married out of the village and now they won't give her land share",
        "divorced women are denied the village dividend, they call us married-out daughters",
        "fired after I got pregnant",
        "my in-laws are keeping my dowry and won't give it back",
        "a girl at {p} is being married off by her family at just fifteen",
        "job ad says men only",
        "a man in the village keeps touching little girls inappropriately",
        "restaurant at {p} has kids of 13 or 14 working as waiters",
        "women wanting to learn a trade and start a business, any support",
    ]),
    "C55": ([
        "这事反映了好几回都没人管，再不解决我就去县里",
        "上次的投诉说会处理，{n}个月了没下文",
        "我要上访，村干部包庇",
        "问题一直拖着，要找书记当面说",
        "12345打了好几遍，每次都说转办了",
        "{who}说要去市里信访",
        "之前的回复我不满意，要求重新处理",
        "说好的处理结果没有落实，还是老样子",
        "去年就反映过了，现在又来了，到底有没有人管",
    ], [
        "reported this three times and nobody did anything, going to the county next",
        "my last complaint was supposed to be handled, {n} months and nothing",
        "I want to file a petition, the village cadres are covering it up",
        "this keeps getting dragged out, I want to see the party secretary in person",
        "called the hotline again and again, every time they say it's been forwarded",
        "{who} says they will petition at the city letters and visits bureau",
        "not satisfied with the previous reply, demand it be reopened",
        "the promised outcome was never implemented, nothing has changed",
        "raised this last year and it's happening again, is anyone responsible at all",
    ]),
    "C56": ([
        "电梯坏了物业不管，物业费一分不少收",
        "{p}小区物业乱收停车费",
        "业主群里吵翻了，物业把维修基金乱用",
        "物业把小区绿地改成停车位卖",
        "交了物业费，楼道灯坏了一个月没人换",
        "物业威胁不交费就停水停电",
        "{p}换物业公司，老物业赖着不走",
        "地下室漏水，物业说不归他们管",
        "物业保安态度太差，还动手推人",
    ], [
        "property company doesn't fix the lift but still charges the fee",
        "property management at {p} charging random parking fees",
        "owners fighting in the group chat, management misused the maintenance fund",
        "property company turned the green space into parking spaces to sell",
        "paid the management fee but the stairwell light has been broken a month",
        "property management threatening to cut water and power if we don't pay",
        "estate at {p} changed management company but the old one won't leave",
        "basement leaking, property office says not their responsibility",
        "estate security guards rude, even pushing residents",
    ]),
    "C57": ([
        "楼上卫生间渗水到我家天花板，找他好几次都不修",
        "邻居家的树长过来挡了我家的光",
        "{who}家养的鸡天天跑到我院子里，说了还骂人",
        "对门把鞋柜放在公共走廊，吵了好几次",
        "邻居空调外机对着我家窗户吹",
        "两家因为一堵墙闹翻了",
        "隔壁装监控对着我家门口",
        "{p}两户人家为了楼道放东西吵起来了",
        "邻居把排烟管伸到我家这边，说也不听",
    ], [
        "bathroom upstairs leaks into my flat and the neighbour refuses to fix it",
        "neighbour's tree grew over and blocks our light",
        "{who}'s chickens run into my yard every day and he swears at me when I say something",
        "the family opposite puts their shoe rack in the shared corridor, we've argued several times",
        "next door's AC unit blows straight into my window",
        "two families fell out over a shared wall",
        "neighbour installed a camera pointing at my front door",
        "two households at {p} quarrelling about stuff in the common stairwell",
        "neighbour stuck his chimney pipe facing our house and won't listen",
    ]),
    "C58": ([
        "小两口天天吵要离婚，孩子跟谁说不拢",
        "{who}家儿子和媳妇闹分居，财产怎么分吵不清",
        "两口子吵架，男的拿刀比划",
        "老婆跑回娘家不回来了，男方要退彩礼",
        "结婚才一年就要离，房子写的谁的名字在闹",
        "丈夫在外面有人了，要离婚",
        "夫妻俩为了孩子上学的事打起来了",
        "{p}有对夫妻闹得很凶，要调解",
        "婆媳矛盾闹得两口子要离婚",
    ], [
        "young couple fighting every day about divorce, can't agree who gets the child",
        "{who}'s son and his wife separated and argue over how to split the property",
        "husband and wife quarrelling, he waved a knife around",
        "wife went back to her parents and won't return, his family wants the bride price back",
        "married just one year and divorcing, fighting over whose name is on the house",
        "husband is having an affair, wife wants a divorce",
        "couple came to blows over which school the kid goes to",
        "a married couple at {p} having a very bad row, need mediation",
        "mother-in-law conflict has the couple on the verge of divorce",
    ]),
    "C59": ([
        "几个儿子都不管老人，互相推",
        "{who}八十了，女儿不给生活费",
        "离婚后前夫一直不给孩子抚养费",
        "老人住院没人出钱，兄妹几个吵起来了",
        "老大说房子给了老二就该老二养",
        "儿媳不让老人进门，老人住在柴房",
        "{p}有个老太太儿女都不赡养，靠捡废品过日子",
        "父母离婚了，两边都不要孩子",
        "儿子把老人的养老钱拿走了不给",
    ], [
        "three sons all refuse to look after their old father, each blames the others",
        "{who} is 80 and the daughter gives no living money at all",
        "ex-husband hasn't paid child support since the divorce",
        "old man in hospital and the siblings are fighting over who pays",
        "eldest son says the second son got the house so he should support mum",
        "daughter-in-law won't let the old lady in, she's sleeping in the woodshed",
        "an old woman at {p} whose children won't support her, she lives off collecting scrap",
        "parents divorced and neither wants the child",
        "son took the old couple's savings and won't give it back",
    ]),
    "C60": ([
        "老人走了，兄弟几个为老宅吵翻了",
        "父亲留下的存款，姐姐说她也要分",
        "{who}去世没留遗嘱，继母要分房子",
        "分家的时候说好的，现在老二不认了",
        "嫁出去的女儿能不能继承父母的房子",
        "遗嘱是手写的，弟弟说是假的",
        "爷爷的宅子拆迁款，叔叔伯伯都来争",
        "{p}兄妹分家析产闹到要打官司",
        "父母的存折在大哥那，他不拿出来",
    ], [
        "father died and the brothers are fighting over the old house",
        "sister says she's entitled to a share of dad's savings too",
        "{who} died without a will and the stepmother wants the house",
        "we agreed how to divide the family property, now the second brother denies it",
        "can a married daughter inherit her parents' house",
        "handwritten will, my younger brother says it's forged",
        "uncles all fighting over grandpa's demolition compensation",
        "siblings at {p} splitting the family estate, might go to court",
        "eldest brother is holding our parents' bankbook and won't hand it over",
    ]),
    "C61": ([
        "界石被挪了，两家吵起来差点动手",
        "{who}种地越过了界，占了我家两垄",
        "宅基地边界不清，邻居砌墙砌到我家这边",
        "承包地的界桩被人拔了",
        "{p}两户为了一条田埂打起来了",
        "邻居说我家的房子占了他的地",
        "土地确权的时候面积量错了，跟隔壁扯不清",
        "他家的果树种到我家地里来了",
        "为了半米地界，两家好几年不说话",
    ], [
        "two families fighting because the boundary stone was moved, nearly came to blows",
        "{who} ploughs past the boundary and took two rows of my land",
        "homestead boundary unclear, neighbour built his wall on our side",
        "someone pulled out the marker posts of my contracted land",
        "two households at {p} got physical over a field ridge",
        "neighbour claims my house sits on his plot",
        "plot measured wrong during land registration, now arguing with next door",
        "his fruit trees are planted on my land",
        "two families haven't spoken for years over half a metre of boundary",
    ]),
    "C62": ([
        "邻居把出村的小路挖断了，我们出不去",
        "{who}家在路口砌了墙，我家车进不了院子",
        "下雨邻居家的水全排到我家院子里",
        "后面那户把排水沟堵了，我家地基泡水",
        "走了几十年的路，现在他说是他家的不让走",
        "{p}有户人家把巷子门锁了，别人出不去",
        "邻居把院子垫高了，雨水倒灌我家",
        "他家屋檐滴水都滴到我家门口",
        "为了过路的事两家吵了好几回",
    ], [
        "neighbour dug up the lane out of the village, we can't get out",
        "{who} built a wall at the junction, my car can't get into the yard",
        "when it rains all the water from next door drains into our yard",
        "the house behind blocked the drainage ditch and our foundations are soaking",
        "path we've used for decades, now he says it's his and won't let us pass",
        "a family at {p} locked the alley gate, others can't get through",
        "neighbour raised his ground level, rainwater floods back into ours",
        "water from his eaves drips right onto our doorstep",
        "two families keep arguing about the right to pass through",
    ]),
    "C63": ([
        "借给亲戚{m}好几年了不还，还放狠话",
        "{who}欠我钱，打电话就挂",
        "合伙做生意亏了，他让我一个人还债",
        "朋友借钱时写了欠条，现在不认账",
        "放高利贷的天天上门要债",
        "帮人担保，现在银行找我还钱",
        "{p}老板借了村民好多钱跑了",
        "借钱给同学买车，他说没钱慢慢还",
        "村里人凑钱给他盖房，现在他赖账",
    ], [
        "lent a relative {m} yuan three years ago, won't repay and threatens me",
        "{who} owes me money and hangs up whenever I call",
        "business partnership lost money and he wants me to pay all the debts",
        "friend signed an IOU when he borrowed, now denies it",
        "loan sharks coming to the door every day demanding money",
        "I was a guarantor and now the bank wants me to pay",
        "a boss at {p} borrowed from lots of villagers and ran away",
        "lent money to a classmate for a car, he says he'll pay back slowly",
        "villagers pooled money for his house, now he refuses to pay back",
    ]),
    "C64": ([
        "他家的羊把我家刚出的麦子啃了一大片",
        "{who}倒车把我家院墙撞了，不肯赔",
        "邻居的狗把我家小孩咬了，只给了{n}百块",
        "装修把楼下天花板弄坏了，赔多少谈不拢",
        "骑电动车刮了人家的车，对方要价太高",
        "他家的牛跑到我地里踩坏了菜",
        "小孩打球把人家玻璃砸了",
        "{p}收割机把我家田埂压坏了",
        "鸡被邻居家的猫咬死了好几只",
    ], [
        "his sheep ate a big patch of my wheat seedlings",
        "{who} reversed into my yard wall and won't pay for it",
        "neighbour's dog bit my kid and they only offered {n}00 yuan",
        "their renovation damaged the ceiling downstairs, can't agree on compensation",
        "scraped someone's car with my e-bike and they want way too much",
        "his cattle got into my plot and trampled the vegetables",
        "kids playing ball broke a neighbour's window",
        "combine harvester at {p} crushed our field ridge",
        "neighbour's cat killed several of my chickens",
    ]),
    "C65": ([
        "村里的账从来不公开，年底分多少钱谁也不知道",
        "集体的鱼塘承包给村干部亲戚，价格太低",
        "{p}村集体土地卖了，钱没分到户",
        "村务公开栏{n}年没更新了",
        "合作社年底分红少了一半",
        "村里的厂房租金收了多少，村民都不知道",
        "征地补偿款村里截留了一部分",
        "集体山林承包合同签了五十年，村民不同意",
        "村账目混乱，想查账",
    ], [
        "village dividend is never made public, no idea where the money goes",
        "the collective fish pond was leased to a cadre's relative at a very low price",
        "collective land at {p} was sold and the money never reached households",
        "village affairs notice board hasn't been updated in {n} years",
        "cooperative paid only half the usual dividend at year end",
        "nobody knows how much rent the village collects for the factory buildings",
        "the village kept back part of the land requisition compensation",
        "collective forest leased out for fifty years, villagers didn't agree",
        "village accounts are a mess, we want an audit",
    ]),
    "C66": ([
        "两个村为了一片山林的界线争了好多年",
        "林权证上的山和实际不一样，{who}家说是他们的",
        "{p}那片荒山到底归谁，两个组在吵",
        "祖上的山被别村的人砍了树",
        "土地权属证书上写错了四至",
        "村组之间为了一块河滩地的所有权闹起来",
        "{p}的林地被隔壁村占了种果树",
        "集体林地确权没弄清楚，两家都说是自己的",
        "老证和新证上的地块对不上，要求重新确权",
    ], [
        "two villages have been disputing the forest boundary for years",
        "the hill on the forest tenure certificate doesn't match reality, {who}'s family claims it",
        "two village groups arguing over who owns the barren hill at {p}",
        "people from another village cut trees on our ancestral hillside",
        "the boundaries on the land ownership certificate are wrong",
        "village groups fighting over ownership of a river flat",
        "forest land at {p} taken over by the next village to plant orchards",
        "collective forest land rights never settled, both families say it's theirs",
        "plots on the old and new certificates don't match, want the rights re-confirmed",
    ]),
}

# --------------------------------------------------------------------------
# composition
# --------------------------------------------------------------------------
_EN_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|my|me|we|we've|our|us)\b")
_ZH_QUESTION = re.compile(r"吗|怎么|哪里|哪|什么|多少|多久|能不能|可以|要不要|有没有|是不是|？$")
_EN_QUESTION = re.compile(r"^(how|what|where|when|which|who|can|do|does|is|are|should|any)\b|\?$|"
                          r", (how|what|where|when|can|any|is|who|does|do|should|are|could)\b[^,]*$")


def _fill(core: str, lang: str, rng: random.Random) -> str:
    places, times, who, nums, money = (
        (ZH_PLACES, ZH_TIMES, ZH_WHO, ZH_NUM, ZH_MONEY) if lang == "zh"
        else (EN_PLACES, EN_TIMES, EN_WHO, EN_NUM, EN_MONEY))
    return core.format(p=rng.choice(places), t=rng.choice(times), who=rng.choice(who),
                       n=rng.choice(nums), m=rng.choice(money))


def _typo_en(text: str, rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return text.lower()
    if kind == 1:
        return text.replace("'", "")
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not idx:
        return text.lower()
    i = rng.choice(idx)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    if kind == 2:      # swap two letters
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif kind == 3:    # drop a letter
        w = w[:j] + w[j + 1:]
    else:              # double a letter
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def _typo_zh(text: str, rng: random.Random) -> str:
    options = [(a, b) for a, b in ZH_TYPOS if a in text]
    if options and rng.random() < 0.7:
        a, b = rng.choice(options)
        return text.replace(a, b, 1)
    if rng.random() < 0.5:
        return text.replace("，", " ")
    return text.replace("，", ",")


def compose(core: str, lang: str, rng: random.Random) -> str:
    has_place = "{p}" in core
    has_time = "{t}" in core
    body = _fill(core, lang, rng)
    if lang == "zh":
        first = "我" in core
        question = bool(_ZH_QUESTION.search(body))
        if not has_place and not first and not question and rng.random() < 0.35:
            body = rng.choice(ZH_PLACES) + rng.choice(["", "，", " ", "："]) + body
        if not has_time and not question and rng.random() < 0.15:
            body = rng.choice(ZH_TIMES) + body
        if question:
            opener = rng.choice(ZH_OPEN_Q if first else ZH_OPEN_Q + ZH_OPEN_Q_THIRD)
        else:
            opener = rng.choice(ZH_OPEN_FIRST if first else ZH_OPEN_THIRD)
        tail = rng.choice(ZH_TAIL_Q if question else ZH_TAIL)
        text = opener + body.rstrip("？?") + tail
        if rng.random() < 0.15:
            text = _typo_zh(text, rng)
    else:
        first = bool(_EN_FIRST_PERSON.search(core))
        question = bool(_EN_QUESTION.search(body))
        if not has_place and not first and not question and rng.random() < 0.3:
            body += rng.choice([" ({p})", ", {p}", " - {p}", ", location {p}", " near {p}"]).format(
                p=rng.choice(EN_PLACES))
        if not has_time and not question and rng.random() < 0.1:
            body += rng.choice([" - noticed {}", ", reported {}", " (seen {})"]).format(rng.choice(EN_WHEN))
        if question:
            opener = rng.choice(EN_OPEN_Q if first else EN_OPEN_Q + EN_OPEN_Q_THIRD)
        else:
            opener = rng.choice(EN_OPEN_FIRST if first else EN_OPEN_THIRD)
        tail = rng.choice(EN_TAIL_Q if question else EN_TAIL)
        body = body.rstrip("?")
        if not opener or opener.endswith(": ") or opener.endswith("- ") or opener.startswith("Please"):
            if rng.random() < 0.75:
                body = body[0].upper() + body[1:]
        text = opener + body + tail
        if rng.random() < 0.2:
            text = _typo_en(text, rng)
    return re.sub(r"\s+", " ", text).strip()


def read_catalog() -> dict[str, str]:
    with CATALOG.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row["department"] for row in csv.DictReader(fh)}


def build() -> tuple[list[tuple[str, str, str, str]], list[int]]:
    dept_of = read_catalog()
    missing = sorted(set(dept_of) ^ set(CORES))
    if missing:
        raise SystemExit(f"categories without cores (or cores without category): {missing}")
    rng = random.Random(SEED)
    rows: list[tuple[str, str, str, str]] = []
    seen: set[str] = set()
    for code in sorted(CORES):
        zh, en = CORES[code]
        block = []
        for lang, cores in (("zh", zh), ("en", en)):
            for core in cores:
                for _ in range(50):
                    text = compose(core, lang, rng)
                    if text not in seen:
                        break
                else:
                    raise SystemExit(f"cannot make a unique text from {core!r}")
                seen.add(text)
                block.append((text, dept_of[code], code, lang))
        rng.shuffle(block)
        rows.extend(block)

    # stratified split: per category ~30 % test, shared fairly between languages
    split_rng = random.Random(SEED + 1)
    test_idx: list[int] = []
    for ci, code in enumerate(sorted(CORES)):
        idx = [i for i, r in enumerate(rows) if r[2] == code]
        k = round(TEST_SHARE * len(idx))
        by_lang = {lang: [i for i in idx if rows[i][3] == lang] for lang in ("zh", "en")}
        k_first = (k + 1) // 2 if ci % 2 == 0 else k // 2
        for lang, kk in (("zh", k_first), ("en", k - k_first)):
            pool = by_lang[lang][:]
            split_rng.shuffle(pool)
            test_idx.extend(pool[:kk])
    return rows, sorted(test_idx)


def write(path: Path, header: list[str], rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main() -> None:
    rows, test_idx = build()
    test_set = set(test_idx)
    write(HERE / "dev.csv", ["text", "department", "category", "lang"], rows)
    write(HERE / "train.csv", ["text", "department"],
          [(r[0], r[1]) for i, r in enumerate(rows) if i not in test_set])
    write(HERE / "test.csv", ["text", "department"],
          [(r[0], r[1]) for i, r in enumerate(rows) if i in test_set])
    print(f"dev.csv: {len(rows)} rows, train.csv: {len(rows) - len(test_set)}, test.csv: {len(test_set)}")


if __name__ == "__main__":
    main()
