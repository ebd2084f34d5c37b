export function DevicePicker(props: {
  label: string;
  devices: MediaDeviceInfo[];
  value: string | null;
  onChange(deviceId: string): void;
}) {
  const { label, devices, value, onChange } = props;
  const id = `device-${label.toLowerCase().replace(/\s+/g, '-')}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? devices[0]?.deviceId ?? ''} disabled={devices.length === 0} onChange={(e) => onChange(e.target.value)}>
        {devices.length === 0 && <option value="">None found</option>}
        {devices.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </div>
  );
}
