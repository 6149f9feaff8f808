-- wrk: POST a new US Core heart rate Observation (about 750 bytes, claiming its profiles) on every
-- request.
local base = os.getenv("FHIR_PATH")
local body = [[{"resourceType":"Observation","meta":{"profile":["http://hl7.org/fhir/us/core/StructureDefinition/us-core-heart-rate","http://hl7.org/fhir/us/core/StructureDefinition/us-core-vital-signs"]},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs","display":"Vital Signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4","display":"Heart rate"}],"text":"Heart rate"},"subject":{"reference":"Patient/bench"},"effectiveDateTime":"2025-01-01T10:00:00Z","valueQuantity":{"value":72.0,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}]]
local formatted

function init(args)
  formatted = wrk.format("POST", base .. "/Observation",
    {["Content-Type"] = "application/fhir+json", ["Prefer"] = "return=minimal"}, body)
end

request = function()
  return formatted
end

-- WRITE_DELAY_MS paces each connection (a steady load rather than all it can take).
local pause = tonumber(os.getenv("WRITE_DELAY_MS") or "")
if pause then
  delay = function()
    return pause
  end
end
