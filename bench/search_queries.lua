-- wrk: GET the search paths listed in QUERIES_FILE (one per line, already expanded for random
-- patients), round robin. Formatted once at start, as in read_by_id.lua.
local requests = {}
local next_request = 0

function init(args)
  for line in io.lines(os.getenv("QUERIES_FILE")) do
    requests[#requests + 1] = wrk.format("GET", line, {["Accept"] = "application/fhir+json"})
  end
end

request = function()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
