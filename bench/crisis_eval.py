"""How long the risk assessment takes on a long summary, as the desk asks while the agent types.

Builds 2,000-character summaries the way a counsellor writes up a long call: mostly
background (school, family, feelings, what was agreed), with danger, idioms,
negations, a friend's trouble, Traditional and English lines mixed in (about one
line in three speaks of a risk). Every sentence is made unique, so nothing is
served from a cache. The segmenter's dictionary is loaded once first, as the
service does at start-up.

Each evaluation is timed twice: in the process's CPU time (what the evaluation
costs, whatever else runs on a shared 2-core machine) and on the wall clock. Three
passes; exits non-zero when the CPU-time p99 of the best pass exceeds 20 ms. The
wall-clock figures are printed beside it: on a quiet machine they match.

    .venv/bin/python -m bench.crisis_eval [rounds]
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from crisis.assessment import default_assessor

TARGET_P99_MS = 20.0
LENGTH = 2000
EVERYDAY = [
    "来电者是一名高二学生，住校，周末回家",
    "最近月考成绩下滑，班主任找她谈过话",
    "父母在外地打工，平时跟奶奶一起生活",
    "和同桌关系一般，有两个比较好的朋友",
    "晚上经常失眠，白天上课注意力不集中",
    "说自己不知道以后想做什么，对未来很迷茫",
    "喜欢画画，但是家里觉得没用，不支持",
    "今天加班累死了，作业多得要死",
    "和妈妈因为手机的事情吵了一架，心情很差",
    "来电者否认有自杀想法，也没有自伤行为",
    "我朋友说她不想活了，我该怎么劝她",
    "请问未成年人被家暴可以报警吗，法律上是怎么规定的",
    "周末想去河边烧烤，今晚要去天台看星星",
    "She feels stressed about exams and her parents argue a lot",
    "咨询师和她一起做了呼吸放松练习，情绪有所平复",
    "约定明天下午再打电话过来，告诉了她学校心理老师的联系方式",
    "她說最近睡不好，上課的時候常常發呆",
    "来电者情绪低落，说话声音很小，偶尔哭泣",
]
RISKY = [
    "她说以前割过腕，现在好多了，但是最近又有点想死",
    "继父经常喝醉了打她，说明天还要打",
    "网友拿她的裸照威胁她，说不给钱就发到网上",
    "她刚才吞了一整瓶安眠药，现在头很晕",
    "她說現在站在樓頂上，想跳下去",
    "She said she took all her sleeping pills an hour ago",
    "和同学关系不好，被孤立，在群里被骂",
    "药已经买好了，打算今天晚上全部吃掉",
]


def summary(rng: random.Random, serial: list[int]) -> str:
    text = ""
    while len(text) < LENGTH:
        line = rng.choice(RISKY) if rng.random() < 0.33 else rng.choice(EVERYDAY)
        serial[0] += 1
        text += f"{line}（记录{serial[0]}）。"  # unique, as every real sentence is
    return text[:LENGTH]


def one_pass(rounds: int, rng: random.Random, serial: list[int]) -> tuple[list[float], list[float]]:
    assessor = default_assessor()
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(rounds):
        text = summary(rng, serial)
        started, used = time.perf_counter(), time.process_time()
        assessor.assess(text)
        cpu.append((time.process_time() - used) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return sorted(cpu), sorted(wall)


def p99(timings: list[float]) -> float:
    return timings[max(0, int(len(timings) * 0.99) - 1)]


def main(rounds: int = 300) -> int:
    started = time.perf_counter()
    default_assessor().warm()
    print(f"segmenter warm-up (once, at start-up): {(time.perf_counter() - started) * 1000:.0f} ms")
    rng, serial = random.Random(18), [0]
    best = float("inf")
    for n in range(3):
        cpu, wall = one_pass(rounds, rng, serial)
        best = min(best, p99(cpu))
        print(
            f"pass {n + 1}: a {LENGTH}-character summary, {rounds} rounds: "
            f"CPU p50 {statistics.median(cpu):.2f} ms, p99 {p99(cpu):.2f} ms, "
            f"max {cpu[-1]:.2f} ms; "
            f"wall p50 {statistics.median(wall):.2f} ms, p99 {p99(wall):.2f} ms"
        )
    verdict = "ok" if best <= TARGET_P99_MS else "MISSED"
    print(f"best CPU p99 {best:.2f} ms (target <= {TARGET_P99_MS:g} ms): {verdict}")
    return 0 if best <= TARGET_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
