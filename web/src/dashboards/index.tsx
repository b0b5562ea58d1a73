/** Placeholder while the area is built. */
export default function Area() {
  return (
    <main className="page">
      <h1>dashboards</h1>
    </main>
  );
}
