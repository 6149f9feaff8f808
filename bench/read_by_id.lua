-- wrk: GET resources by id, picked at random from the file named by IDS_FILE ("Type/id" per
-- line). Requests are formatted once at start: formatting per request costs wrk more CPU than
-- the server spends answering, and both share the same cores. With TOKEN set, every request
-- carries it as a bearer token.
local base = os.getenv("FHIR_PATH")
local token = os.getenv("TOKEN")
local requests = {}
local next_request = 0

function init(args)
  local ids = {}
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  math.randomseed(os.time())
  for i = 1, 20000 do
    local headers = {["Accept"] = "application/fhir+json"}
    if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
    requests[i] = wrk.format("GET", base .. "/" .. ids[math.random(#ids)], headers)
  end
end

request = function()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
