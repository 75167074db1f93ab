-- wrk script: realistic report bodies, closed loop. Env: BENCH_TOKEN, BENCH_GRIDS (comma list).
local categories = {"C01","C02","C03","C04","C05","C08","C09","C10","C13","C14","C16","C18","C19","C26","C27","C31","C36","C41","C47","C50"}
local texts = {
  "村口垃圾堆了三天没人清运,味道很大",
  "Streetlights on the main road have been out for two nights",
  "路口井盖缺失,晚上很危险,请尽快处理",
  "Water has been brown since yesterday morning in building 3",
  "工厂夜里机器声音太大,影响休息",
  "Someone is charging an e-bike in the stairwell again",
}
local grids = {}
for g in string.gmatch(os.getenv("BENCH_GRIDS") or "G001", "[^,]+") do grids[#grids + 1] = g end
local token = os.getenv("BENCH_TOKEN") or ""
local counter = 0

function setup(thread)
  thread:set("tid", math.random(1, 1000000))
end

function init(args)
  math.randomseed(tid or 1)
end

request = function()
  counter = counter + 1
  local body = string.format('{"channel":"external","category":"%s","grid":"%s","description":"%s (#%d)"}',
    categories[math.random(#categories)], grids[math.random(#grids)], texts[math.random(#texts)], counter)
  return wrk.format("POST", "/v1/reports", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token}, body)
end
